/**
 * Google's Pub/Sub emulator (the Google Cloud CLI's `google-cloud-cli-pubsub-emulator`,
 * Java 17) on 127.0.0.1, and the stack's bus made in it from an offline plan: the same
 * topics and subscriptions, with the same names and settings, the program declares.
 * Tooling: `npm run bus:local` and the emulator tests use it; `pulumi up` never does.
 *
 * The emulator runs in a process group of its own and is stopped as a group: gcloud's
 * launcher leaves the Java process listening when only it is signalled
 * (../shared/notes/pubsub-emulator.md, measured).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { PubSub } from "@google-cloud/pubsub";
import type { Plan } from "../../tools/plan/run";

/** Why the emulator could not run: one line, with what to do. */
export class EmulatorUnavailable extends Error {}

const installHint = "install the Google Cloud CLI's Pub/Sub emulator and Java 17: apt-get install google-cloud-cli-pubsub-emulator openjdk-17-jre-headless (Google's apt repository, https://cloud.google.com/sdk/docs/install#deb)";

/** The emulator's jar: PUBSUB_EMULATOR_JAR, or the one under the Google Cloud CLI's root. */
export function emulatorJar(): string {
  if (process.env.PUBSUB_EMULATOR_JAR) return process.env.PUBSUB_EMULATOR_JAR;
  let root: string;
  try {
    root = execFileSync("gcloud", ["info", "--format=value(installation.sdk_root)"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: "1" } }).trim();
  } catch {
    throw new EmulatorUnavailable(`no gcloud on PATH: ${installHint}`);
  }
  const dir = path.join(root, "platform", "pubsub-emulator", "lib");
  const jar = fs.existsSync(dir) ? fs.readdirSync(dir).find((file) => /^cloud-pubsub-emulator-.*\.jar$/.test(file)) : undefined;
  if (!jar) throw new EmulatorUnavailable(`no Pub/Sub emulator under ${root}: ${installHint}`);
  return path.join(dir, jar);
}

/** A free loopback port, or `wanted` if it is free; a taken `wanted` is one clear line. */
export async function loopbackPort(wanted?: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new EmulatorUnavailable(`port ${wanted} on 127.0.0.1 is taken: name another with --port, or none to take a free one`) : error),
    );
    server.listen(wanted ?? 0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Emulator {
  /** host:port, as PUBSUB_EMULATOR_HOST takes it. */
  host: string;
  port: number;
  pid: number;
  /** The emulator's log so far. */
  log(): string;
  /** Resolves with the exit code when the emulator exits, stopped or not. */
  exited: Promise<number | null>;
  /** Stops the whole process group; resolves once the emulator has exited. */
  stop(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 and resolves when it serves ("Server started"). */
export async function startEmulator(options: { port?: number; timeoutMs?: number } = {}): Promise<Emulator> {
  const jar = emulatorJar();
  const port = await loopbackPort(options.port);
  let child: ChildProcess;
  let output = "";
  try {
    // Its own process group (detached), so that stop() ends the JVM and anything it forked;
    // and a watcher on a pipe from this process, so that the JVM ends when this process does,
    // however it ends (a killed test run must not leave an emulator listening).
    const script = 'exec 3<&0; java "$@" & pid=$!; (read _ <&3; kill $pid 2>/dev/null) & wait $pid';
    child = spawn("sh", ["-c", script, "sh", "-Xmx256m", "-jar", jar, "--host=127.0.0.1", `--port=${port}`], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
  } catch (error) {
    throw new EmulatorUnavailable(`cannot start java: ${(error as Error).message}; ${installHint}`);
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      // The watcher, blocked on the pipe, ends with it.
      child.stdin?.end();
      resolve(code);
    }),
  );
  let running = true;
  void exited.then(() => (running = false));
  const tail = () => output.trim().split("\n").slice(-5).join(" | ");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new EmulatorUnavailable(`the emulator did not start within ${(options.timeoutMs ?? 30_000) / 1000} s: ${tail()}`)), options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Server started/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new EmulatorUnavailable(`cannot start java (${error.message}): ${installHint}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new EmulatorUnavailable(`the emulator exited (code ${code}) before it served: ${tail()}`));
    });
  }).catch(async (error) => {
    if (running) await stopGroup(child.pid!, exited);
    throw error;
  });
  return {
    host: `127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    log: () => output,
    exited,
    stop: () => (running ? stopGroup(child.pid!, exited) : Promise.resolve()),
  };
}

async function stopGroup(pid: number, exited: Promise<unknown>): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // The group is gone already.
    }
  };
  signal("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const killed = await Promise.race([exited.then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), 5000)))]);
  clearTimeout(timer);
  if (!killed) {
    signal("SIGKILL");
    await exited;
  }
  // The launcher's shell may end before the JVM it runs: done when the whole group is gone.
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; alive() && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive()) signal("SIGKILL");
  for (let waited = 0; alive() && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A client of the emulator (PUBSUB_EMULATOR_HOST's form, given explicitly: no credentials, no metadata server). */
export function emulatorClient(emulator: Pick<Emulator, "host">, projectId: string): PubSub {
  process.env.METADATA_SERVER_DETECTION ??= "none";
  return new PubSub({ projectId, apiEndpoint: emulator.host, emulatorMode: true });
}

/** The bus a plan declares: its topics and subscriptions with their settings, as the program gives them to the provider. */
export interface PlannedBus {
  project: string;
  topics: { name: string; schema: boolean }[];
  subscriptions: PlannedSubscription[];
}

export interface PlannedSubscription {
  name: string;
  /** The consumer group or sink it serves (its `consumer` label). */
  consumer?: string;
  topic: string;
  ackDeadlineSeconds?: number;
  messageRetentionDuration?: string;
  retainAckedMessages?: boolean;
  retryPolicy?: { minimumBackoff?: string; maximumBackoff?: string };
  deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number };
  filter?: string;
  enableMessageOrdering?: boolean;
  enableExactlyOnceDelivery?: boolean;
  /** A BigQuery or Cloud Storage subscription: the emulator takes it as a pull subscription and writes nothing. */
  sink?: "bigquery" | "cloudStorage";
}

const shortName = (name: string) => name.split("/").pop()!;

export function plannedBus(plan: Plan): PlannedBus {
  const topics = plan.resources.filter((r) => r.type === "gcp:pubsub/topic:Topic");
  const subscriptions = plan.resources.filter((r) => r.type === "gcp:pubsub/subscription:Subscription");
  const project = String(topics[0]?.inputs.project ?? (plan.outputs as { projectId?: string }).projectId ?? "");
  return {
    project: project || String(/projects\/([^/]+)\//.exec(String(subscriptions[0]?.inputs.topic ?? ""))?.[1] ?? ""),
    topics: topics.map((t) => ({ name: String(t.inputs.name), schema: t.inputs.schemaSettings !== undefined })),
    subscriptions: subscriptions.map((s) => {
      const i = s.inputs as Record<string, any>;
      return {
        name: String(i.name),
        consumer: i.labels?.consumer,
        topic: shortName(String(i.topic)),
        ackDeadlineSeconds: i.ackDeadlineSeconds,
        messageRetentionDuration: i.messageRetentionDuration,
        retainAckedMessages: i.retainAckedMessages,
        retryPolicy: i.retryPolicy,
        deadLetterPolicy: i.deadLetterPolicy,
        filter: i.filter,
        enableMessageOrdering: i.enableMessageOrdering,
        enableExactlyOnceDelivery: i.enableExactlyOnceDelivery,
        sink: i.bigqueryConfig ? "bigquery" : i.cloudStorageConfig ? "cloudStorage" : undefined,
      };
    }),
  };
}

/** "604800s" (Google's duration text) as the client's Duration. */
const seconds = (text: string | undefined) => (text === undefined ? undefined : { seconds: Number(/^(\d+)s$/.exec(text)?.[1] ?? NaN) });

/** The Pub/Sub API's subscription fields for a planned subscription, in `project`. */
export function subscriptionRequest(sub: PlannedSubscription, project: string) {
  return {
    ackDeadlineSeconds: sub.ackDeadlineSeconds,
    messageRetentionDuration: seconds(sub.messageRetentionDuration),
    retainAckedMessages: sub.retainAckedMessages,
    retryPolicy: sub.retryPolicy ? { minimumBackoff: seconds(sub.retryPolicy.minimumBackoff), maximumBackoff: seconds(sub.retryPolicy.maximumBackoff) } : undefined,
    deadLetterPolicy: sub.deadLetterPolicy ? { deadLetterTopic: `projects/${project}/topics/${shortName(sub.deadLetterPolicy.deadLetterTopic)}`, maxDeliveryAttempts: sub.deadLetterPolicy.maxDeliveryAttempts } : undefined,
    filter: sub.filter,
    enableMessageOrdering: sub.enableMessageOrdering,
    enableExactlyOnceDelivery: sub.enableExactlyOnceDelivery,
    // The plan's "never expire" ({ttl: ""}): the API's form is an empty policy.
    expirationPolicy: {},
  };
}

/**
 * Makes the planned bus in the emulator: topics (without their protobuf schema, which the
 * emulator refuses: UNIMPLEMENTED), then subscriptions with every planned setting. What
 * the emulator refuses, Google refuses: the error goes up with the subscription's name.
 */
export async function createBus(pubsub: PubSub, bus: PlannedBus): Promise<void> {
  for (const topic of bus.topics) await pubsub.createTopic(topic.name);
  for (const sub of bus.subscriptions) {
    try {
      await pubsub.topic(sub.topic).createSubscription(sub.name, subscriptionRequest(sub, bus.project) as never);
    } catch (error) {
      throw new Error(`subscription ${sub.name}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
}

/** What the emulator does not do, said where it runs (docs/design/event-bus.md). */
export const emulatorLimits = [
  "no schema: the topic's protobuf schema is not enforced (the emulator answers UNIMPLEMENTED); bus:local reads every event and prints each one the cloud would refuse at publish",
  "no filters: every subscription receives every message, dead-letter readers included (their source is the CloudPubSubDeadLetterSourceSubscription attribute)",
  "no IAM: any client may publish and pull",
  "no sinks: the BigQuery and Cloud Storage subscriptions are plain pull subscriptions here; nothing is written",
  "no retention or expiry enforced; state is in memory and gone when it stops",
];
