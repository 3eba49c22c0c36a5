/**
 * npm run bench [-- --runs N] [--boot-runs N]: the three figures the offline loop is held to,
 * each as min / median / max wall time over N runs after one warm-up run:
 *
 * - `npm test` (type-check and the unit suite); target at most 15 s on 2 cores;
 * - `npm run plan -- --stack prod` against the import floor, `node -e 'require("@pulumi/pulumi");
 *   require("@pulumi/gcp")'`, run alternately in the same loop; target at most 2x;
 * - `npm run test:boot` (the image cached by the warm-up or an earlier run); target at most
 *   5 minutes. Default 1 run (--boot-runs 0 leaves it out: it takes minutes);
 * - the event bus on Google's Pub/Sub emulator: events per second end to end with each
 *   preset's publisher batching and subscriber flow control, against one message at a time,
 *   with lost and duplicated events (both must be 0). --bus-events N (default 20000; 0
 *   leaves it out).
 *
 * Each command must succeed; a failing run stops the benchmark (a fast failure is no figure).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";

const root = path.resolve(__dirname, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "boot-runs": { type: "string", default: "1" }, "bus-events": { type: "string", default: "20000" } }, strict: true });
const runs = Number(values.runs);
const bootRuns = Number(values["boot-runs"]);
const busEvents = Number(values["bus-events"]);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(bootRuns) || bootRuns < 0 || !Number.isInteger(busEvents) || busEvents < 0) {
  console.error(`--runs = ${JSON.stringify(values.runs)}, --boot-runs = ${JSON.stringify(values["boot-runs"])}, --bus-events = ${JSON.stringify(values["bus-events"])}: whole numbers, runs at least 1`);
  process.exit(2);
}

/** Wall seconds of one run; exits on failure. */
function time(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    console.error(`${command} ${args.join(" ")} failed (exit ${result.status}):\n${result.stderr.split("\n").slice(-20).join("\n")}`);
    process.exit(1);
  }
  return seconds;
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
};
const line = (name: string, seconds: number[], target: string) => {
  const { min, median, max } = stats(seconds);
  console.log(`${name.padEnd(28)} min ${min.toFixed(2)} s  median ${median.toFixed(2)} s  max ${max.toFixed(2)} s  (${seconds.length} runs; ${target})`);
  return median;
};

const npmTest = () => time("npm", ["test"]);
const plan = () => time("npm", ["run", "plan", "--", "--stack", "prod"]);
const floor = () => time(process.execPath, ["-e", 'require("@pulumi/pulumi"); require("@pulumi/gcp")']);

console.log(`# ${new Date().toISOString()}, node ${process.version}, ${require("os").cpus().length} CPUs; each figure after one warm-up run`);
npmTest();
const testMedian = line("npm test", Array.from({ length: runs }, npmTest), "target <= 15 s");

plan();
floor();
const plans: number[] = [];
const floors: number[] = [];
for (let i = 0; i < runs; i++) {
  plans.push(plan());
  floors.push(floor());
}
const planMedian = line("npm run plan -- --stack prod", plans, "target <= 2x the floor");
const floorMedian = line("import floor", floors, 'node -e \'require("@pulumi/pulumi"); require("@pulumi/gcp")\'');
console.log(`${"plan / floor".padEnd(28)} ${(planMedian / floorMedian).toFixed(2)}x (medians)`);

let bootMedian: number | undefined;
if (bootRuns) {
  bootMedian = line("npm run test:boot", Array.from({ length: bootRuns }, () => time("npm", ["run", "test:boot"])), "image cached; target <= 300 s");
}
async function bus(): Promise<boolean> {
  const { emulatorClient, startEmulator } = await import("./bus/emulator");
  const { measureThroughput } = await import("./bus/throughput");
  const { presetNames, presets } = await import("../lib/presets");
  const emulator = await startEmulator();
  const pubsub = emulatorClient(emulator, "defimon-bench");
  let clean = true;
  try {
    const report = (name: string, result: Awaited<ReturnType<typeof measureThroughput>>) => {
      clean &&= result.lost === 0 && result.duplicated === 0;
      console.log(`${name.padEnd(28)} ${Math.round(result.eventsPerSecond)} events/s end to end (${result.events} events, ${result.seconds.toFixed(1)} s; lost ${result.lost}, duplicated ${result.duplicated})`);
    };
    for (const preset of presetNames) {
      const { batchSize, maxMessages } = presets[preset].eventStream;
      report(`bus, ${preset} (batch ${batchSize})`, await measureThroughput(pubsub, { batchSize, maxMessages }, busEvents));
    }
    report("bus, one at a time", await measureThroughput(pubsub, { batchSize: 1, maxMessages: 1 }, Math.max(1, Math.round(busEvents / 20))));
  } finally {
    await pubsub.close();
    await emulator.stop();
  }
  return clean;
}

void (async () => {
  const busClean = busEvents ? await bus() : true;
  const met = testMedian <= 15 && planMedian <= 2 * floorMedian && (bootMedian === undefined || bootMedian <= 300) && busClean;
  console.log(met ? "all targets met" : "a target is missed");
})();
