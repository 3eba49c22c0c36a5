import { Encryption, EncryptionArgs } from "../../components/encryption";
import { named, ofType, runComponents } from "../helpers/run";

const agent = "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com";

function declare(overrides: Partial<EncryptionArgs> = {}) {
  return runComponents(() => {
    new Encryption("kms", {
      kms: { location: "global", keyRing: "defimon", cryptoKey: "pubsub-key", rotationPeriod: 90 * 86400 },
      protect: false,
      keyUsers: { "pubsub-agent": agent },
      labels: { team: "defimon" },
      ...overrides,
    });
  });
}

describe("Encryption", () => {
  it("declares a key ring and a symmetric key rotating every 90 days", async () => {
    const plan = await declare();
    expect(named(plan, "kms-key").inputs).toMatchObject({
      name: "pubsub-key",
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: "7776000s",
      labels: { team: "defimon" },
    });
    expect(named(plan, "kms-key").inputs.keyRing).toBe(`projects/defimon-offline-plan/locations/global/keyRings/${named(plan, "kms-key-ring").inputs.name}`);
  });

  it("suffixes the key ring name on unprotected stacks, so a destroyed stack can be created again", async () => {
    const plan = await declare();
    expect(ofType(plan, "random:index/randomId:RandomId")).toHaveLength(1);
    expect(named(plan, "kms-key-ring").inputs.name).toMatch(/^defimon-[0-9a-f]{6}$/);
    expect(plan.resources.filter((r) => r.protect)).toEqual([]);
  });

  it("keeps the plain name and protects ring and key on protected stacks", async () => {
    const plan = await declare({ protect: true });
    expect(ofType(plan, "random:index/randomId:RandomId")).toHaveLength(0);
    expect(named(plan, "kms-key-ring").inputs.name).toBe("defimon");
    expect(plan.resources.filter((r) => r.protect).map((r) => r.name).sort()).toEqual(["kms-key", "kms-key-ring"]);
  });

  it("keeps a suffixed key ring name within 63 characters", async () => {
    const plan = await declare({ kms: { location: "global", keyRing: "r".repeat(63), cryptoKey: "pubsub-key", rotationPeriod: 90 * 86400 } });
    expect((named(plan, "kms-key-ring").inputs.name as string).length).toBeLessThanOrEqual(63);
  });

  it("grants encrypt/decrypt on the key, not the project, to each key user", async () => {
    const plan = await declare({ keyUsers: { "pubsub-agent": agent, other: "serviceAccount:x@p.iam.gserviceaccount.com" } });
    const grants = ofType(plan, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember");
    expect(grants.map((g) => g.name).sort()).toEqual(["kms-other-access", "kms-pubsub-agent-access"]);
    expect(named(plan, "kms-pubsub-agent-access").inputs).toEqual({
      cryptoKeyId: expect.stringMatching(/\/cryptoKeys\/pubsub-key$/),
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member: agent,
    });
  });
});
