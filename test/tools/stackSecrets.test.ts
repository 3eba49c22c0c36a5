import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { secretsProviderProblems } from "../../tools/stackSecrets";

const root = path.resolve(__dirname, "..", "..");
const key = (name: string) => `gcpkms://projects/p/locations/europe-west1/keyRings/pulumi/cryptoKeys/${name}`;

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-secrets-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("a stack's secrets provider, as CI needs it", () => {
  it("passes a stack file with a Cloud KMS provider and its key", () => {
    const dir = project({ "Pulumi.dev.yaml": `secretsprovider: ${key("state-dev")}\nencryptedkey: CiQAbase64==\nconfig: {}\n` });
    expect(secretsProviderProblems(dir, "dev")).toEqual([]);
  });

  it("refuses the committed files until the team commits their provider lines, saying how", () => {
    const problems = secretsProviderProblems(root, "prod", ["dev", "prod"]);
    expect(problems).toEqual([
      'Pulumi.prod.yaml: secretsprovider = null: a gcpkms://projects/.../cryptoKeys/... key; run docs/runbooks/deploy.md "State and secrets" (pulumi stack init prod --secrets-provider ...) and commit the lines it writes',
      "Pulumi.prod.yaml: encryptedkey is missing: commit the line `pulumi stack init` (or `pulumi stack change-secrets-provider`) writes next to secretsprovider",
    ]);
  });

  it("refuses a protected stack that shares its key with another stack", () => {
    const dir = project({
      "Pulumi.dev.yaml": `secretsprovider: ${key("shared")}\nencryptedkey: a\nconfig: {}\n`,
      "Pulumi.prod.yaml": `secretsprovider: ${key("shared")}\nencryptedkey: b\nconfig:\n  defimon:protect: true\n`,
    });
    expect(secretsProviderProblems(dir, "prod", ["dev", "prod"])).toEqual([
      "Pulumi.prod.yaml: secretsprovider is also dev's key; a protected stack's state needs a key of its own that dev's identities cannot use",
    ]);
    expect(secretsProviderProblems(dir, "nope")).toEqual(["Pulumi.nope.yaml: no such stack file"]);
  });
});
