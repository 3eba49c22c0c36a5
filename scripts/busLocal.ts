/**
 * The stack's event bus on a laptop: Google's Pub/Sub emulator on 127.0.0.1 with the
 * topics and subscriptions the stack's plan declares (same names, same settings), until
 * Ctrl-C; then the emulator's whole process group stops.
 *
 *   npm run bus:local -- --stack dev [--port 8085]
 *
 * Prints, per service, the environment it needs (PUBSUB_EMULATOR_HOST, the project, its
 * subscription) and how to publish a test event. Exit 2 for bad arguments, 1 when the
 * stack's config is refused (the plan's own lines) or the emulator cannot run.
 */
import { parseArgs } from "util";
import { loadProgram, projectRoot, runProgram } from "../tools/plan/run";
import { readStackConfigFiles, StackConfigError } from "../tools/plan/stackFiles";
import { eventSchemaText } from "../lib/eventSchema";
import { createBus, EmulatorUnavailable, emulatorClient, emulatorLimits, plannedBus, startEmulator } from "./bus/emulator";
import { validator } from "./bus/eventValidator";

const usage = "usage: npm run bus:local -- --stack <name> [--port N]";

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { stack: { type: "string" }, port: { type: "string" } } }));
  } catch (error) {
    console.error(`${(error as Error).message.split("\n")[0]}\n${usage}`);
    return 2;
  }
  const problems: string[] = [];
  if (!values.stack) problems.push("--stack: required (a stack file's name, such as dev)");
  if (values.port !== undefined && !(/^\d{1,5}$/.test(values.port) && Number(values.port) >= 1024 && Number(values.port) <= 65535)) problems.push(`--port = ${JSON.stringify(values.port)}: a port from 1024 to 65535`);
  if (problems.length) {
    console.error(`${problems.join("\n")}\n${usage}`);
    return 2;
  }

  let plan;
  try {
    const files = readStackConfigFiles(projectRoot, values.stack!);
    plan = await runProgram({ ...files, program: () => loadProgram() });
  } catch (error) {
    console.error(error instanceof StackConfigError ? error.problems.join("\n") : (error as Error).message);
    return 1;
  }
  const bus = plannedBus(plan);

  let emulator;
  try {
    emulator = await startEmulator({ port: values.port === undefined ? undefined : Number(values.port) });
  } catch (error) {
    console.error(error instanceof EmulatorUnavailable ? error.message : String(error));
    return 1;
  }
  const pubsub = emulatorClient(emulator, bus.project);
  let checker: { close(): Promise<void> } | undefined;
  const stop = async () => {
    await checker?.close().catch(() => undefined);
    await pubsub.close().catch(() => undefined);
    await emulator.stop();
  };
  try {
    await createBus(pubsub, bus);
  } catch (error) {
    await stop();
    console.error(`the emulator refused the planned bus: ${(error as Error).message}`);
    return 1;
  }

  const topic = bus.topics.find((t) => t.schema)?.name ?? bus.topics[0].name;
  // The emulator enforces no schema: a subscription of its own reads every event and says
  // which the cloud would refuse at publish.
  const check = `${topic}-bus-local-schema-check`;
  await pubsub.topic(topic).createSubscription(check);
  const validate = validator(eventSchemaText());
  const subscription = pubsub.subscription(check);
  checker = subscription;
  subscription.on("message", (message) => {
    const text = message.data.toString("utf8");
    try {
      validate(JSON.parse(text));
    } catch (error) {
      console.log(`event ${message.id} would be refused at publish by the topic's schema: ${String((error as Error).message).split("\n")[0]} (${text.length > 120 ? `${text.slice(0, 120)}...` : text})`);
    }
    message.ack();
  });
  const consumers = bus.subscriptions.filter((s) => s.topic === topic && !s.sink);
  const lines = [
    `Pub/Sub emulator for stack ${values.stack} on ${emulator.host} (project ${bus.project}): ${bus.topics.length} topics, ${bus.subscriptions.length} subscriptions, as planned.`,
    "What it does not do (docs/design/event-bus.md, what runs where):",
    ...emulatorLimits.map((limit) => `  - ${limit}`),
    "",
    "Each consumer's environment (a publisher needs the first three):",
    ...consumers.flatMap((s) => [`  # ${s.consumer ?? s.name}`, `  PUBSUB_EMULATOR_HOST=${emulator.host}`, `  PUBSUB_PROJECT_ID=${bus.project}`, `  PUBSUB_TOPIC=${topic}`, `  PUBSUB_SUBSCRIPTION=${s.name}`]),
    "",
    "Publish a test event (schema/examples/valid.json's first):",
    `  curl -s -X POST http://${emulator.host}/v1/projects/${bus.project}/topics/${topic}:publish -H 'content-type: application/json' -d "{\\"messages\\":[{\\"data\\":\\"$(node -p "Buffer.from(JSON.stringify(Object.values(require('./schema/examples/valid.json'))[0])).toString('base64')")\\"}]}"`,
    "",
    "ready; Ctrl-C stops the emulator",
  ];
  console.log(lines.join("\n"));

  const stopped = await new Promise<"signal" | "died">((resolve) => {
    process.once("SIGINT", () => resolve("signal"));
    process.once("SIGTERM", () => resolve("signal"));
    void emulator.exited.then(() => resolve("died"));
  });
  await stop();
  if (stopped === "died") {
    console.error(`the emulator stopped by itself: ${emulator.log().trim().split("\n").slice(-3).join(" | ")}`);
    return 1;
  }
  console.log("stopped: nothing left listening");
  return 0;
}

main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));
