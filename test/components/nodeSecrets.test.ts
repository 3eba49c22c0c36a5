import { NodeSecrets } from "../../components/nodeSecrets";
import { mockSecretValues } from "../../tools/plan/mocks";
import { named, ofType, runComponents } from "../helpers/run";

describe("NodeSecrets", () => {
  it("generates a 32-byte JWT and a Grafana password with @pulumi/random", async () => {
    const plan = await runComponents(() => new NodeSecrets("sec", { secretIdPrefix: "defimon-dev", labels: {} }));
    expect(named(plan, "sec-jwt")).toMatchObject({ type: "random:index/randomBytes:RandomBytes", inputs: { length: 32 } });
    expect(named(plan, "sec-grafana-password")).toMatchObject({ type: "random:index/randomPassword:RandomPassword", inputs: { length: 32 } });
  });

  it("stores them in Secret Manager as secrets, and nowhere in clear", async () => {
    const plan = await runComponents(() => new NodeSecrets("sec", { secretIdPrefix: "defimon-dev", labels: { team: "defimon" } }));
    expect(ofType(plan, "gcp:secretmanager/secret:Secret").map((s) => s.inputs)).toEqual([
      { secretId: "defimon-dev-geth-jwt", replication: { auto: {} }, labels: { team: "defimon" } },
      { secretId: "defimon-dev-grafana-admin-password", replication: { auto: {} }, labels: { team: "defimon" } },
    ]);
    for (const version of ofType(plan, "gcp:secretmanager/secretVersion:SecretVersion")) expect(version.inputs.secretData).toBe("[secret]");
    const text = JSON.stringify(plan);
    for (const value of Object.values(mockSecretValues)) expect(text).not.toContain(value);
  });

  it("tells the host which secrets to fetch into each container's folder, readable by exactly that container's user", async () => {
    let secrets: NodeSecrets | undefined;
    await runComponents(() => (secrets = new NodeSecrets("sec", { secretIdPrefix: "defimon-dev", labels: {} })));
    expect(secrets!.secretFiles).toEqual([
      { secretId: "defimon-dev-geth-jwt", dir: "geth", file: "jwt.hex", mode: "0400", owner: "0:0" },
      { secretId: "defimon-dev-geth-jwt", dir: "lighthouse", file: "jwt.hex", mode: "0400", owner: "0:0" },
      // Grafana runs as 472:0 and its image has no group 472: the file must be owned by uid 472.
      { secretId: "defimon-dev-grafana-admin-password", dir: "grafana", file: "admin_password", mode: "0400", owner: "472:0" },
    ]);
    expect(secrets!.versions).toHaveLength(2);
  });
});
