/**
 * The instance metadata the boot test's VM boots from: the real program planned for the
 * dev stack file, with the images pinned to the stand-ins' digests (config accepts
 * `repo:tag@sha256:` references) and one DEFIMON service from Artifact Registry. The VM
 * gets exactly what Compute Engine would: startup and shutdown scripts, compose files,
 * manifests, all read back from the planned instance's metadata.
 */
import { randomBytes } from "crypto";
import { loadProgram, projectRoot, runProgram } from "../../tools/plan/run";
import { readStackConfigFiles } from "../../tools/plan/stackFiles";
import { Control } from "./vm";

export interface TestStack {
  metadata: Record<string, string>;
  secrets: Record<string, string>;
  project: string;
  token: string;
}

/** `projectDir`: the project whose program and dev stack file are planned (another revision's checkout, to boot its scripts). */
export async function planTestStack(digests: Record<string, string>, projectDir: string = projectRoot): Promise<TestStack> {
  const files = readStackConfigFiles(projectDir, "dev");
  const pin = (reference: string) => `${reference}@${digests[reference]}`;
  files.config["defimon:node"] = JSON.stringify({
    images: {
      geth: pin("ethereum/client-go:v1.17.10"),
      lighthouse: pin("sigp/lighthouse:v8.3.3"),
      prometheus: pin("prom/prometheus:v3.13.3"),
      grafana: pin("grafana/grafana:13.3.2"),
      health: pin("python:3.13.16-alpine3.24"),
    },
  });
  files.config["defimon:services"] = JSON.stringify({ indexer: { image: pin("europe-west1-docker.pkg.dev/defimon-test/defimon/indexer:1.0.0") } });
  const plan = await runProgram({ ...files, program: () => loadProgram(projectDir) });
  const vm = plan.resources.find((resource) => resource.type === "gcp:compute/instance:Instance")!;
  const metadata = vm.inputs.metadata as Record<string, string>;
  const secretIds = [...new Set(metadata["defimon-secrets"].split("\n").filter(Boolean).map((line) => line.split(" ")[0]))];
  const secrets = Object.fromEntries(secretIds.map((id) => [id, id.endsWith("-jwt") ? randomBytes(32).toString("hex") : randomBytes(18).toString("base64url")]));
  return { metadata, secrets, project: files.config["gcp:project"], token: `standin-token-${randomBytes(8).toString("hex")}` };
}

/** The control document of one boot: the planned metadata plus this boot's behaviour. */
/** The instance id the metadata server gives the test's VMs. */
export const testInstanceId = "4815162342000000001";

export function control(stack: TestStack, behaviour: Partial<Control> = {}): Control {
  return {
    metadata: { "instance/id": testInstanceId, ...Object.fromEntries(Object.entries(stack.metadata).map(([key, value]) => [`instance/attributes/${key}`, value])) },
    secrets: stack.secrets,
    token: stack.token,
    project: stack.project,
    ...behaviour,
  };
}
