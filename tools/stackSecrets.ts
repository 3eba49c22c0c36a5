/**
 * A deployed stack's secrets provider lives in its stack file: `pulumi stack init
 * --secrets-provider gcpkms://...` writes `secretsprovider` and `encryptedkey` into
 * Pulumi.<stack>.yaml, and a runner that checks the repository out has nothing else. Without
 * them the CLI falls back to the passphrase provider and fails (no passphrase is set), so
 * the workflows check this first and say what to do.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

function stackFile(projectDir: string, stack: string): Record<string, unknown> | undefined {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  return fs.existsSync(file) ? ((parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>) : undefined;
}

const gcpKmsKey = /^gcpkms:\/\/projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/** Problems with `stack`'s secrets provider, one line each; `others` are the committed stacks it must not share a key with when it is protected. */
export function secretsProviderProblems(projectDir: string, stack: string, others: string[] = []): string[] {
  const doc = stackFile(projectDir, stack);
  const file = `Pulumi.${stack}.yaml`;
  if (!doc) return [`${file}: no such stack file`];
  const problems: string[] = [];
  const provider = doc.secretsprovider;
  if (typeof provider !== "string" || !gcpKmsKey.test(provider)) {
    problems.push(
      `${file}: secretsprovider = ${JSON.stringify(provider ?? null)}: a gcpkms://projects/.../cryptoKeys/... key; run docs/runbooks/deploy.md "State and secrets" (pulumi stack init ${stack} --secrets-provider ...) and commit the lines it writes`,
    );
  }
  if (typeof doc.encryptedkey !== "string" || !doc.encryptedkey) {
    problems.push(`${file}: encryptedkey is missing: commit the line \`pulumi stack init\` (or \`pulumi stack change-secrets-provider\`) writes next to secretsprovider`);
  }
  const config = (doc.config ?? {}) as Record<string, unknown>;
  if (config["defimon:protect"] === true && typeof provider === "string") {
    for (const other of others.filter((name) => name !== stack)) {
      if (stackFile(projectDir, other)?.secretsprovider === provider) {
        problems.push(`${file}: secretsprovider is also ${other}'s key; a protected stack's state needs a key of its own that ${other}'s identities cannot use`);
      }
    }
  }
  return problems;
}
