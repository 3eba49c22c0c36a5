/**
 * npm run test:boot: the real boot/startup.sh and boot/shutdown.sh, exactly as the plan
 * renders them into instance metadata, run on a real Linux (systemd, Docker Engine 26,
 * Compose v2, ext4, a separate virtio data disk) under QEMU, with faults injected for
 * real: QMP resets and power-off, QEMU's blkdebug for read errors, another process holding
 * the package manager's locks, a metadata server and Secret Manager that fail for a while.
 * Three VMs run side by side; one line per scenario, then "N passed, N failed".
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// The dev stack is planned at the suite's clock (the catalogs' read day), as npm test plans it.
import "../helpers/fixedClock";
import { containerSecrets } from "../../lib/render/compose";
import { guestImage } from "./guestImage";
import { control, planTestStack, TestStack, testInstanceId } from "./testStack";
import { ext4Uuid, readExt4, Report, Vm } from "./vm";

interface Outcome {
  id: number;
  name: string;
  problems: string[];
  seconds: number;
}

const outcomes: Outcome[] = [];
const started = Date.now();
const elapsed = () => Math.round((Date.now() - started) / 1000);

function check(id: number, name: string, problems: string[]): void {
  outcomes.push({ id, name, problems, seconds: elapsed() });
  console.log(`${problems.length ? "not ok" : "ok"} ${id} - ${name} (at ${elapsed()} s)${problems.length ? `\n  ${problems.join("\n  ")}` : ""}`);
}

function expect(problems: string[], condition: boolean, what: string): void {
  if (!condition) problems.push(what);
}

/** A new, all-zero disk (sparse), as a new Persistent Disk is. Small: formatting is emulated CPU. */
const blankDisk = (file: string, mib = 768) => {
  fs.writeFileSync(file, "");
  fs.truncateSync(file, mib * 1024 ** 2);
};

/** A boot until its probe has reported; the report, or a failure with the console's tail. */
/**
 * One boot, up to the probe's report. The bound is for a boot that hangs: a first boot
 * under TCG took about 150 s on the machine these figures were first taken on and up to
 * 300 s on a slower one (three guests sharing two cores), so it allows 480.
 */
async function boot(vm: Vm, behaviour: Parameters<typeof control>[1], data: { file: string; readErrors?: boolean }, stack: TestStack, seconds = 480): Promise<Report> {
  vm.start(control(stack, behaviour), data);
  if (!(await vm.waitFor(/DEFIMON-PROBE-WRITTEN/, seconds))) {
    vm.kill();
    throw new Error(`${vm.name}: no probe report within ${seconds} s; console tail:\n${vm.serial().split("\n").slice(-15).join("\n")}`);
  }
  return vm.report();
}

const formatted = (report: Report) => report.startupLog.filter((line) => line.includes("data disk is blank: formatting ext4")).length;
const done = (report: Report) => report.startupLog.some((line) => line.endsWith("defimon-startup: done"));
const mountLines = (report: Report) => report.fstab.filter((line) => line.split(/\s+/)[1] === "/mnt/chaindata");
const running = (report: Report) => report.containers.filter((line) => line.endsWith(" running")).map((line) => line.split(" ")[0]).sort();
const ids = (report: Report) => report.containers.map((line) => line.split(" ").slice(0, 2).join(" ")).sort();
const allContainers = ["defimon-geth-1", "defimon-grafana-1", "defimon-health-1", "defimon-indexer-1", "defimon-lighthouse-1", "defimon-prometheus-1"];
const uptimeOf = (lines: string[], needle: string) => {
  const line = lines.find((l) => l.includes(needle));
  const match = line && /uptime ([0-9.]+)/.exec(line);
  return match ? Number(match[1]) : undefined;
};
const expectedSecrets = ["geth/jwt.hex f 0 0 400", "grafana/admin_password f 472 0 400", "lighthouse/jwt.hex f 0 0 400"];

function secretsAreFiles(problems: string[], report: Report): void {
  for (const secret of expectedSecrets) expect(problems, report.secrets.includes(secret), `secret ${secret.split(" ")[0]}: expected "${secret}", have ${JSON.stringify(report.secrets)}`);
}

/** Events of this boot: the data disk's event logs grow across boots. */
const newEvents = (report: Report, before: Report | undefined) => report.events.filter((event) => !(before?.events ?? []).includes(event));

/**
 * The schedule: seven boots on three VMs (one vCPU each, on two host cores: CPU is what
 * bounds the run), the faults of several scenarios in one boot where they do not mask
 * each other, each scenario still its own check. A's chain waits longest and runs at
 * the highest priority.
 *   A: first boot (blank disk, package manager locked: 1, 4), then an unclean reset with
 *      Secret Manager answering 403 (3, 6), where the containers are asked whether they
 *      reach the metadata server (12).
 *   B: first boot on a disk restored from a snapshot, metadata flaky (11, 5a), clean
 *      reboot (2), power-off (9).
 *   C: a disk that fails reads (7), a required key missing for good on a new disk (5b:
 *      the script mounts it before it stops), that disk swapped for a blank one (8).
 */
const flakyMetadata = { "instance/attributes/defimon-files": [500, 404, 500], "instance/attributes/defimon-secrets": [404, 404], "project/project-id": [503] };
const reports: { flaky?: Report; missing?: Report } = {};

async function groupA(vm: Vm, stack: TestStack, dir: string): Promise<void> {
  const disk = path.join(dir, "chaindata.img");
  blankDisk(disk);
  const marker = randomBytes(8).toString("hex");

  // 1, 4 and 5 (first half): first boot on a blank disk, another process holding the
  // package manager's locks for a minute, the metadata server answering 404 and 500 a few times.
  const first = await boot(vm, { holdPackageLockSeconds: 60, afterProbe: "stay", marker }, { file: disk }, stack);
  const p1: string[] = [];
  expect(p1, done(first) && first.startupResult.trim() === "success", `startup did not finish: ${first.startupLog.slice(-5).join(" | ")}`);
  expect(p1, formatted(first) === 1, `formatted ${formatted(first)} times`);
  expect(p1, mountLines(first).length === 1 && mountLines(first)[0].startsWith(`UUID=${first.dataDiskUuid.trim()} `), `fstab: ${JSON.stringify(mountLines(first))}`);
  expect(p1, first.mounted.startsWith(first.dataDiskUuid.trim()), `mounted ${first.mounted} is not the data disk ${first.dataDiskUuid}`);
  expect(p1, JSON.stringify(running(first)) === JSON.stringify(allContainers), `running: ${running(first).join(", ")}`);
  secretsAreFiles(p1, first);
  for (const read of ["geth secret-ok:0:64", "lighthouse secret-ok:0:64", "grafana secret-ok:472:"]) expect(p1, first.events.some((event) => event.startsWith(read)), `no event "${read}" (secret read as the container's user)`);
  // Grafana's provisioning: the provider and the node's three dashboards, each read as Grafana's user.
  expect(p1, first.events.some((event) => event.startsWith("grafana dashboards-ok:472:4 ")), `Grafana's dashboards: ${first.events.filter((event) => event.startsWith("grafana dashboard")).join(", ") || "no event"}`);
  expect(p1, first.standinLog.some((line) => line.includes("registry europe-west1-docker.pkg.dev/defimon-test/defimon/indexer: manifest")), "the Artifact Registry image was not pulled (credential helper)");
  expect(p1, first.startupLog.some((line) => line.includes("Ops Agent setup failed")), "the Ops Agent's failure was not logged");
  check(1, "first boot on a blank data disk: formatted once, mounted by UUID, every container running, secrets owned by each container's user, Grafana's dashboards provisioned", p1);

  const p4: string[] = [];
  const released = uptimeOf(first.standinLog, "released the package manager's locks");
  const finished = uptimeOf(first.startupLog, "startup-script finished at");
  expect(p4, released !== undefined, "the lock holder did not run");
  expect(p4, done(first), "the startup script did not finish");
  expect(p4, finished !== undefined && released !== undefined && finished > released, `the script finished (uptime ${finished}) before the locks were released (${released}): it did not wait`);
  check(4, "package manager locked for a minute at first boot: the script waits, then succeeds", p4);

  // 3 and 6: unclean reset of the running node: no shutdown script ran, Docker restarts the
  // containers before the secrets are back, and Secret Manager answers 403 for the first
  // 45 s (IAM grants propagating).
  await vm.qmp("system_reset");
  await vm.waitExit(60);
  const third = await boot(vm, { secret403Seconds: 45, afterProbe: "stay", probeMetadata: true }, { file: disk }, stack);
  const served = uptimeOf(third.standinLog, "first secret served") ?? Infinity;
  const events = newEvents(third, first);
  const startedBeforeSecrets = (problems: string[]) => {
    // Only the containers that read a secret: Prometheus needs none, and Docker may restart it at once.
    for (const event of events.filter((e) => / (start|secret-ok:\S+) /.test(e) && e.split(" ")[0] in containerSecrets)) {
      expect(problems, Number(event.split(" ").pop()) >= served, `started before its secret was there: ${event} (secrets served at ${served})`);
    }
    expect(problems, events.every((event) => !/secret-(missing|is-a-directory|unreadable|empty)/.test(event)), `a container met a missing secret: ${JSON.stringify(events)}`);
  };
  const p3: string[] = [];
  expect(p3, done(third), `startup did not finish: ${third.startupLog.slice(-4).join(" | ")}`);
  secretsAreFiles(p3, third);
  expect(p3, JSON.stringify(running(third)) === JSON.stringify(allContainers), `running: ${running(third).join(", ")}`);
  expect(p3, events.some((event) => event.startsWith("geth secret-ok:0:64")), `geth did not read its JWT after the reset: ${JSON.stringify(events)}`);
  startedBeforeSecrets(p3);
  check(3, "unclean reset: secrets are files again, geth reads its JWT, no container starts before its secret", p3);

  const p6: string[] = [];
  expect(p6, third.standinLog.some((line) => line.includes("answering 403")), "Secret Manager never answered 403");
  expect(p6, third.startupLog.some((line) => /secret \S+: HTTP 403; retrying/.test(line)), "the script did not say it retried the 403");
  expect(p6, done(third) && JSON.stringify(running(third)) === JSON.stringify(allContainers), "startup did not finish with every container running");
  startedBeforeSecrets(p6);
  check(6, "Secret Manager answers 403 for 45 s: retried until it works, no container starts without its secret", p6);

  // 12: after the reset, the containers Docker restarted before the startup script ran
  // included: the node's own cannot reach the metadata server, a service can.
  const p12: string[] = [];
  // Each line: container, verdict, address, wget's words; then the host's rules.
  const reach = ["geth", "lighthouse", "prometheus", "grafana", "health"].map((name) => `${name} unreachable`).concat("indexer answered");
  const verdicts = third.metadataReach.filter((line) => !line.startsWith("-")).map((line) => line.split(" ").slice(0, 2).join(" "));
  expect(p12, JSON.stringify([...verdicts].sort()) === JSON.stringify([...reach].sort()), `metadata server reached: ${JSON.stringify(third.metadataReach)}`);
  check(12, "the metadata server: unreachable from geth, Lighthouse, Prometheus, Grafana and the health endpoint (the VM's token reads its secrets), reachable from a service (Pub/Sub)", p12);
  await vm.qmp("quit");
  await vm.waitExit(60);
  markers.push({ disk, marker, uuid: first.dataDiskUuid.trim() });
}

/** 9: ACPI power-off: the shutdown script within 90 s, the services first and geth last, geth cleanly. */
async function powerOff(vm: Vm, disk: string): Promise<void> {
  await vm.qmp("system_powerdown");
  const off = await vm.waitExit(150);
  const console = vm.serial();
  const p9: string[] = [];
  const begin = uptimeOf(console.split("\n"), "shutdown-script starting at");
  const end = /shutdown-script finished at uptime ([0-9.]+) with exit status (\d+)/.exec(console);
  expect(p9, off, "the VM did not power off within 150 s");
  expect(p9, begin !== undefined && end !== null, "the shutdown script did not run to its end");
  if (begin !== undefined && end) {
    expect(p9, Number(end[1]) - begin <= 90, `the shutdown script took ${(Number(end[1]) - begin).toFixed(1)} s (GCE allows about 90)`);
    expect(p9, end[2] === "0", `the shutdown script exited ${end[2]}`);
  }
  const events = ["geth", "lighthouse", "prometheus", "grafana"].map((dir) => readExt4(disk, `/${dir}/standin-events.log`) ?? "").join("");
  const last = (role: string, what: string) => Math.max(...events.split("\n").filter((l) => l.startsWith(`${role} ${what} `)).map((l) => Number(l.split(" ")[2])), -1);
  const services = Math.max(last("prometheus", "TERM"), last("grafana", "TERM"));
  expect(p9, services > 0 && last("lighthouse", "TERM") > services && last("geth", "TERM") > last("lighthouse", "TERM"), `order of TERM: services ${services}, lighthouse ${last("lighthouse", "TERM")}, geth ${last("geth", "TERM")}`);
  expect(p9, last("geth", "exit") >= last("geth", "TERM") && last("geth", "exit") > 0, "geth did not finish its stop");
  expect(p9, last("geth", "TERM") > last("lighthouse", "exit"), "geth was stopped before lighthouse had exited");
  check(9, "power-off: the shutdown script ends within 90 s, services first, geth last and cleanly", p9);
}

async function groupB(vm: Vm, stack: TestStack, dir: string): Promise<void> {
  // 11: a replica's first boot on a disk created from a snapshot of another node's chain
  // disk (larger than the file system on it, as a replica's disk may be), with the
  // metadata server answering 404 and 500 a few times (5, first half).
  const disk1 = path.join(dir, "chaindata.img");
  const content = fs.mkdtempSync(path.join(os.tmpdir(), "chaindata-"));
  const marker = randomBytes(8).toString("hex");
  fs.writeFileSync(path.join(content, "defimon-marker"), `${marker}\n`);
  fs.mkdirSync(path.join(content, "geth", "geth", "chaindata"), { recursive: true });
  fs.writeFileSync(path.join(content, "geth", "geth", "chaindata", "CURRENT"), `${snapshotChain}\n`);
  // The P2P identity of the node the snapshot was taken from (11, identity).
  fs.writeFileSync(path.join(content, ".defimon-instance"), `${sourceInstanceId}\n`);
  fs.writeFileSync(path.join(content, "geth", "geth", "nodekey"), `${sourceIdentity}\n`);
  fs.mkdirSync(path.join(content, "geth", "geth", "nodes"));
  fs.writeFileSync(path.join(content, "geth", "geth", "nodes", "CURRENT"), `${sourceIdentity}\n`);
  fs.mkdirSync(path.join(content, "lighthouse", "beacon", "network"), { recursive: true });
  fs.writeFileSync(path.join(content, "lighthouse", "beacon", "network", "key"), `${sourceIdentity}\n`);
  fs.writeFileSync(path.join(content, "lighthouse", "beacon", "network", "enr.dat"), `enr:${sourceIdentity}\n`);
  blankDisk(disk1);
  execFileSync("mkfs.ext4", ["-q", "-F", "-L", "chaindata", "-d", content, disk1, "512M"]);
  fs.rmSync(content, { recursive: true, force: true });
  const uuid = ext4Uuid(disk1);

  const first = await boot(vm, { afterProbe: "reboot", flaky: flakyMetadata }, { file: disk1 }, stack);
  reports.flaky = first;
  const p11: string[] = [];
  expect(p11, done(first), `startup did not finish: ${first.startupLog.slice(-4).join(" | ")}`);
  expect(p11, formatted(first) === 0, "formatted the restored disk");
  expect(p11, first.dataDiskUuid.trim() === uuid && first.mounted.startsWith(uuid), `mounted ${first.mounted}, disk ${first.dataDiskUuid}: not the restored file system ${uuid}`);
  expect(p11, first.marker.trim() === marker, "the restored disk's marker is gone");
  expect(p11, JSON.stringify(running(first)) === JSON.stringify(allContainers), `running: ${running(first).join(", ")}`);
  const claimed = (report: Report) => report.startupLog.some((line) => line.endsWith(`the chain disk was last used by instance ${sourceInstanceId}: giving this node its own P2P identity`));
  expect(p11, claimed(first), "the startup script did not give the node its own P2P identity");
  // 2: clean reboot (the probe rebooted; QEMU's -no-reboot ended the first run).
  await vm.waitExit(120);
  const second = await boot(vm, { afterProbe: "stay" }, { file: disk1 }, stack);
  const p2: string[] = [];
  expect(p2, done(second), "startup did not finish");
  expect(p2, formatted(second) === 0, "formatted again");
  expect(p2, JSON.stringify(second.fstab) === JSON.stringify(first.fstab), `fstab changed: ${JSON.stringify(second.fstab)}`);
  expect(p2, JSON.stringify(ids(second)) === JSON.stringify(ids(first)), "not the same containers");
  expect(p2, JSON.stringify(running(second)) === JSON.stringify(allContainers), `running: ${running(second).join(", ")}`);
  secretsAreFiles(p2, second);
  expect(p2, second.standinLog.some((line) => line.includes("first secret served")), "secrets were not fetched again");
  expect(p2, second.marker.trim() === marker, "the marker is gone");
  expect(p2, !second.startupLog.some((line) => line.includes("giving this node its own P2P identity")), "the node's identity was reset again on a reboot");
  check(2, "clean reboot: no format, fstab unchanged, the same containers, secrets fetched again", p2);

  // 9: the running node powered off.
  await powerOff(vm, disk1);
  markers.push({ disk: disk1, marker, uuid });

  // 11, on the disk once the VM is off: the chain data as restored, the file system grown to the disk.
  expect(p11, (readExt4(disk1, "/geth/geth/chaindata/CURRENT") ?? "").trim() === snapshotChain, "the restored chain data changed");
  // Its own identity: the source node's keys, ENR and node database gone, geth's new key made at its start, the disk naming this VM.
  const nodekey = (readExt4(disk1, "/geth/geth/nodekey") ?? "").trim();
  expect(p11, nodekey.startsWith("standin-key-"), `geth's node key is ${JSON.stringify(nodekey)}, not one of its own`);
  for (const file of ["/geth/geth/nodes/CURRENT", "/lighthouse/beacon/network/key", "/lighthouse/beacon/network/enr.dat"]) {
    // debugfs prints nothing (and exits 0) for a file that is not there.
    expect(p11, (readExt4(disk1, file) ?? "") === "", `${file} of the source node is still there`);
  }
  expect(p11, (readExt4(disk1, "/.defimon-instance") ?? "").trim() === testInstanceId, "the disk does not name this VM");
  const blocks = /Block count:\s+(\d+)[\s\S]*Block size:\s+(\d+)/.exec(execFileSync("dumpe2fs", ["-h", disk1], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const fsBytes = blocks ? Number(blocks[1]) * Number(blocks[2]) : 0;
  expect(p11, fsBytes === fs.statSync(disk1).size, `the file system is ${fsBytes} bytes on a ${fs.statSync(disk1).size}-byte disk: not grown`);
  check(11, "a replica's disk restored from a snapshot: never formatted, its data intact, the file system grown to the disk, every container running, a P2P identity of its own (the source node's keys, ENR and node database gone; kept across a reboot)", p11);
}

/** The node whose disk scenario 11's snapshot was taken from, and its P2P identity. */
const sourceInstanceId = "1000000000000000042";
const sourceIdentity = "the-source-node-identity";

/** What the restored chain disk of scenario 11 holds (a stand-in for geth's database). */
const snapshotChain = "MANIFEST-000042 (restored from a snapshot)";

async function groupC(vm: Vm, dir: string, stack: TestStack): Promise<void> {
  // 7: a disk that holds a file system (with a marker) and fails every read while probed.
  const disk = path.join(dir, "chaindata.img");
  const content = fs.mkdtempSync(path.join(os.tmpdir(), "chaindata-"));
  const marker = randomBytes(8).toString("hex");
  fs.writeFileSync(path.join(content, "defimon-marker"), `${marker}\n`);
  blankDisk(disk, 256);
  execFileSync("mkfs.ext4", ["-q", "-F", "-d", content, disk]);
  const uuid = ext4Uuid(disk);
  const report = await boot(vm, { afterProbe: "stay" }, { file: disk, readErrors: true }, stack);
  await vm.qmp("quit");
  await vm.waitExit(60);
  const p7: string[] = [];
  expect(p7, report.startupLog.some((line) => line.includes("read errors while probing it; not touching it")), `no clear message: ${report.startupLog.slice(-4).join(" | ")}`);
  expect(p7, formatted(report) === 0, "formatted it");
  expect(p7, !done(report) && report.startupResult.trim() !== "success", "the boot went on");
  expect(p7, report.containers.length === 0, `containers ran: ${report.containers.join(", ")}`);
  expect(p7, ext4Uuid(disk) === uuid, "the file system was replaced");
  check(7, "a data disk with a file system that fails reads while probed: never formatted, the boot stops with a clear message", p7);
  markers.push({ disk, marker, uuid });

  // 5, second half: a required key missing for good (on a new blank disk).
  const blank = path.join(dir, "chaindata-2.img");
  blankDisk(blank);
  reports.missing = await boot(vm, { missing: ["instance/attributes/defimon-files"], afterProbe: "stay" }, { file: blank }, stack);
  await vm.qmp("quit");
  await vm.waitExit(60);

  // 8: the disk that boot mounted (fstab names it) swapped for a blank one while the VM was off.
  const disk2 = path.join(dir, "chaindata-3.img");
  blankDisk(disk2);
  const swapped = await boot(vm, { afterProbe: "stay" }, { file: disk2 }, stack);
  const p8: string[] = [];
  const uuid2 = swapped.dataDiskUuid.trim();
  const before = reports.missing;
  expect(p8, !!before && mountLines(before).some((line) => line.startsWith(`UUID=${before.dataDiskUuid.trim()} `)), "fstab did not name the disk before the swap: nothing was swapped");
  expect(p8, done(swapped), `startup did not finish: ${swapped.startupLog.slice(-4).join(" | ")}`);
  expect(p8, formatted(swapped) === 1, `formatted ${formatted(swapped)} times`);
  expect(p8, mountLines(swapped).length === 1 && mountLines(swapped)[0].startsWith(`UUID=${uuid2} `), `fstab lines for the mount point: ${JSON.stringify(mountLines(swapped))}`);
  expect(p8, swapped.mounted.startsWith(uuid2), `mounted: ${swapped.mounted}`);
  expect(p8, swapped.underMountPoint.length === 0, `written under the mount point on the boot disk: ${JSON.stringify(swapped.underMountPoint)}`);
  expect(p8, JSON.stringify(running(swapped)) === JSON.stringify(allContainers), `running: ${running(swapped).join(", ")}`);
  check(8, "data disk swapped for a blank one: one fstab entry, the new disk mounted, nothing written on the boot disk", p8);
  await vm.qmp("quit");
  await vm.waitExit(60);
}

/** 5: both halves, from B's first boot and C's second. */
function checkMetadataFailures(): void {
  const p5: string[] = [];
  const { flaky, missing } = reports;
  if (!flaky || !missing) {
    p5.push(`a boot did not report: ${!flaky ? "the flaky metadata (VM b, first boot)" : "the missing key (VM c, second boot)"}`);
  } else {
    const flakyAnswers = flaky.standinLog.filter((line) => line.includes("(flaky)")).length;
    expect(p5, flakyAnswers === 6, `flaky answers given: ${flakyAnswers}`);
    expect(p5, done(flaky), `startup did not finish through the flaky answers: ${flaky.startupLog.slice(-4).join(" | ")}`);
    expect(p5, JSON.stringify(running(flaky)) === JSON.stringify(allContainers), `running after the flaky answers: ${running(flaky).join(", ")}`);
    expect(p5, missing.startupLog.some((line) => line.endsWith("required metadata instance/attributes/defimon-files is not available (HTTP 404); stopping")), `no line naming the missing key: ${missing.startupLog.slice(-4).join(" | ")}`);
    expect(p5, !done(missing), "printed done without its files");
    expect(p5, missing.startupResult.trim() !== "success", "the startup unit succeeded");
  }
  check(5, 'metadata answers 404/500 a few times: retried; a required key missing for good: one line naming it, never "done"', p5);
}

const markers: { disk: string; marker: string; uuid: string }[] = [];

/**
 * DEFIMON_BOOT_REVISION=<git revision>: boot that revision's startup and shutdown scripts
 * and compose project instead (its program planned for the dev stack file, from a git
 * worktree sharing this checkout's node_modules), to show which scenarios an older
 * script fails. The scenarios and their checks stay this checkout's.
 */
function revisionCheckout(revision: string, dir: string): { projectDir: string; remove: () => void } {
  const projectRoot = path.resolve(__dirname, "..", "..");
  const projectDir = path.join(dir, `revision-${revision.replace(/[^A-Za-z0-9._-]/g, "_")}`);
  execFileSync("git", ["-C", projectRoot, "worktree", "add", "--detach", projectDir, revision], { stdio: ["ignore", "ignore", "pipe"] });
  fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(projectDir, "node_modules"));
  return { projectDir, remove: () => execFileSync("git", ["-C", projectRoot, "worktree", "remove", "--force", projectDir], { stdio: "ignore" }) };
}

async function main(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-boot-"));
  const image = guestImage((line) => console.log(`# ${line}`));
  console.log(`# guest image ready at ${elapsed()} s; work in ${dir}`);
  const revision = process.env.DEFIMON_BOOT_REVISION;
  const checkout = revision ? revisionCheckout(revision, dir) : undefined;
  if (revision) console.log(`# booting the scripts and compose project of revision ${revision}`);
  const stack = await (async () => {
    try {
      return await planTestStack(image.digests, checkout?.projectDir);
    } finally {
      checkout?.remove();
    }
  })();
  // A's chain waits longest (a minute's package lock, then 45 s of 403s): it gets the CPU
  // first; B's three boots (a clean reboot and a power-off among them) next; C's last.
  const vms = [["a", 0], ["b", 2], ["c", 3]].map(([name, niceness]) => new Vm(name as string, image, path.join(dir, name as string), niceness as number));
  const groups = [groupA(vms[0], stack, path.join(dir, "a")), groupB(vms[1], stack, path.join(dir, "b")), groupC(vms[2], path.join(dir, "c"), stack)];
  const results = await Promise.allSettled(groups);
  for (const vm of vms) vm.kill();
  results.forEach((result, index) => {
    if (result.status === "rejected") check(90 + index, `VM ${"abc"[index]} ran its scenarios`, [String(result.reason?.message ?? result.reason)]);
  });
  checkMetadataFailures();

  // 10: the marker on each chain-data disk, after everything above.
  const p10: string[] = [];
  expect(p10, markers.length === 3, `only ${markers.length} of 3 disks reached the end`);
  for (const { disk, marker, uuid } of markers) {
    expect(p10, (readExt4(disk, "/defimon-marker") ?? "").trim() === marker, `${path.basename(path.dirname(disk))}: the marker is gone`);
    expect(p10, ext4Uuid(disk) === uuid, `${path.basename(path.dirname(disk))}: the file system changed`);
  }
  check(10, "a marker file on each chain-data disk survives every scenario", p10);

  const failed = outcomes.filter((outcome) => outcome.problems.length).length;
  console.log(`# ${elapsed()} s in all; consoles and disks in ${dir}`);
  console.log(`${outcomes.length - failed} passed, ${failed} failed`);
  // DEFIMON_BOOT_KEEP=1 keeps the consoles and disks of a passing run too (to profile it).
  if (!failed && !process.env.DEFIMON_BOOT_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
