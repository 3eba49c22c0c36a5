import { pinImages } from "../../components/imagePins";
import { standInDigest } from "../../tools/plan/mocks";
import { ProgramError } from "../../tools/plan/run";
import { named, ofType, runComponents } from "../helpers/run";

const ref = (container: string, reference: string) => ({ container, configKey: `defimon:services.${container}.image`, reference });
const arImage = "europe-west1-docker.pkg.dev/defimon-images/defimon/indexer:2.1.0";

describe("pinImages", () => {
  it("pins each published public tag through a daemon-less Docker provider (stand-in digests offline)", async () => {
    let result: Awaited<ReturnType<typeof pinImages>> | undefined;
    const plan = await runComponents(async () => {
      result = await pinImages("images", [ref("lighthouse", "sigp/lighthouse:v8.0.0")]);
    });
    expect(result!.pinned).toEqual({ lighthouse: `sigp/lighthouse:v8.0.0@${standInDigest("sigp/lighthouse:v8.0.0")}` });
    expect(plan.standInImages).toEqual(["sigp/lighthouse:v8.0.0"]);
    // Provider inputs reach the engine as text.
    expect(named(plan, "images-registry").inputs).toMatchObject({ disableDockerDaemonCheck: "true", registryAuth: "[]" });
  });

  it("asks no registry for a digest pinned in config", async () => {
    const pinned = `${arImage}@sha256:${"c".repeat(64)}`;
    let result: Awaited<ReturnType<typeof pinImages>> | undefined;
    const plan = await runComponents(async () => {
      result = await pinImages("images", [ref("indexer", pinned)]);
    });
    expect(result!.pinned.indexer).toBe(pinned);
    expect(result!.repositories).toEqual([{ host: "europe-west1-docker.pkg.dev", location: "europe-west1", project: "defimon-images", repository: "defimon" }]);
    expect(ofType(plan, "pulumi:providers:docker")).toEqual([]);
  });

  it("answers 401 for Artifact Registry without the deployer's token, as the registry would", async () => {
    const { unresolvableImage } = await import("../../tools/plan/mocks");
    expect(unresolvableImage(arImage, [])).toBe("401 Unauthorized: the registry provider has no auth for europe-west1-docker.pkg.dev");
  });

  it("gives the registry lookup the deployer's Google token for Artifact Registry, as a secret", async () => {
    const failure = await runComponents(async () => {
      await pinImages("images", [ref("indexer", arImage)]);
    }).catch((error: ProgramError) => error);
    // Offline, a private image cannot be resolved even with auth: it must be pinned.
    expect((failure as ProgramError).message).toBe(
      `images that cannot be pulled:\ndefimon:services.indexer.image = "${arImage}": cannot be resolved in its registry (a private Artifact Registry image: its digest cannot be read offline; pin it in config (repo:tag@sha256:...) to plan offline)`,
    );
    // The provider had auth for that host (else: 401), and the plan shows it only as a secret.
    const provider = (failure as ProgramError).registered.find((r) => r.name === "images-registry")!;
    expect(provider.inputs.registryAuth).toBe("[secret]");
  });

  it("stops with one line per image that cannot be pulled, naming its config key", async () => {
    const failure = (await runComponents(async () => {
      await pinImages("images", [ref("api", "ghcr.io/defimon/analytics-api:1.0.0"), ref("geth", "ethereum/client-go:v9.9.9"), ref("ok", "grafana/grafana:12.1.0")]);
    }).catch((error) => error)) as ProgramError;
    expect(failure.message.split("\n")).toEqual([
      "images that cannot be pulled:",
      'defimon:services.api.image = "ghcr.io/defimon/analytics-api:1.0.0": cannot be resolved in its registry (ghcr.io/defimon/analytics-api is not a public image the offline plan knows (tools/data/public-images.json); pin a digest in config to plan offline)',
      'defimon:services.geth.image = "ethereum/client-go:v9.9.9": cannot be resolved in its registry (tag v9.9.9 is not among the published tags the offline plan knows (tools/data/public-images.json: v1.17.5, v1.17.10))',
    ]);
  });
});
