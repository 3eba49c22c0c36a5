/**
 * One VM of the boot test, booted with QEMU in software emulation (TCG: nested KVM fails
 * on these machines) straight into the guest's kernel, with the guest's network
 * restricted to itself (`-netdev user,restrict=on`). Disks are virtio with serials: the
 * chain-data disk is `chaindata` (the guest sees /dev/disk/by-id/google-chaindata, as on
 * Compute Engine), the control disk carries this boot's stand-in behaviour, the results
 * disk the probe's report. QMP gives unclean resets and ACPI power-off.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { GuestImage } from "./guestImage";

/** What the in-guest stand-ins do during one boot (test/vm/guest/gce-standin.py). */
export interface Control {
  metadata: Record<string, string>;
  secrets: Record<string, string>;
  token: string;
  project: string;
  flaky?: Record<string, number[]>;
  missing?: string[];
  secret403Seconds?: number;
  holdPackageLockSeconds?: number;
  afterProbe?: "reboot" | "poweroff" | "stay";
  marker?: string;
  /** The probe asks, from inside each container, whether the metadata server answers. */
  probeMetadata?: boolean;
}

export interface DataDisk {
  file: string;
  /** QEMU's blkdebug under the raw format: every read of the disk fails with EIO. */
  readErrors?: boolean;
}

export interface Report {
  uptime: number;
  startupResult: string;
  startupLog: string[];
  standinLog: string[];
  fstab: string[];
  mounted: string;
  dataDiskUuid: string;
  underMountPoint: string[];
  marker: string;
  secrets: string[];
  containers: string[];
  events: string[];
  indexerLog: string[];
  dockerUnitsAfter: string;
  /** `<container> answered` or `<container> unreachable`, when the boot asked (probeMetadata). */
  metadataReach: string[];
}

const megabyte = 1 << 20;

export class Vm {
  private boots = 0;
  private process?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly overlay: string;

  /**
   * @param niceness the QEMU process's scheduling niceness: the three VMs share two cores,
   * and the chain of boots with the longest waits gets the CPU first.
   */
  constructor(
    readonly name: string,
    readonly image: GuestImage,
    readonly dir: string,
    readonly niceness = 0,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.overlay = path.join(dir, "root.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.root, "-F", "raw", this.overlay]);
  }

  get serialLog(): string {
    return path.join(this.dir, `boot-${this.boots}.serial.log`);
  }

  /** Starts a boot; resolves once QEMU runs. */
  start(control: Control, data: DataDisk): void {
    this.boots += 1;
    const controlImg = path.join(this.dir, "control.img");
    const resultsImg = path.join(this.dir, "results.img");
    const text = Buffer.from(JSON.stringify(control));
    if (text.length > 31 * megabyte) throw new Error("control document too large");
    // NUL-terminated, padded to whole MiB: the guest reads the whole disk, and every
    // emulated byte read costs (a fixed 32 MiB cost seconds of CPU per boot).
    fs.writeFileSync(controlImg, Buffer.concat([text, Buffer.alloc(Math.ceil((text.length + 1) / megabyte) * megabyte - text.length)]));
    fs.writeFileSync(resultsImg, Buffer.alloc(4 * megabyte));
    const qmp = path.join(this.dir, "qmp.sock");
    fs.rmSync(qmp, { force: true });
    const dataDrive = data.readErrors
      ? (() => {
          const config = path.join(this.dir, "blkdebug.conf");
          fs.writeFileSync(config, '[inject-error]\nevent = "read_aio"\nerrno = "5"\n');
          return `driver=raw,file.driver=blkdebug,file.config=${config},file.image.filename=${data.file},if=none,id=data,cache=writethrough`;
        })()
      : `file=${data.file},format=raw,if=none,id=data,cache=writethrough`;
    const args = [
      // No default devices (q35's would add a DVD drive the guest spends emulated CPU probing).
      "-nodefaults",
      "-machine", "q35",
      // One vCPU per VM, "max" CPU model. Three VMs share two cores: a second vCPU each only
      // added emulation overhead (the ten scenarios took 441 s with one, 535 s with two), and
      // with one vCPU no other can run kernel text while it is being patched (with two, the
      // guest kernel once died of an "Oops: int3" there). The x86-64 baseline model
      // ("qemu64", ~10 % faster) crashed the guest kernel twice in four runs.
      "-accel", "tcg,thread=multi",
      "-cpu", process.env.DEFIMON_BOOT_CPU ?? "max",
      "-smp", process.env.DEFIMON_BOOT_SMP ?? "1",
      "-m", "2048",
      "-display", "none",
      "-no-reboot",
      "-serial", `file:${this.serialLog}`,
      "-monitor", "none",
      "-qmp", `unix:${qmp},server=on,wait=off`,
      "-kernel", this.image.kernel,
      "-initrd", this.image.initrd,
      // init_on_alloc=0: Debian's kernel zeroes every page it allocates (page cache too), a
      // hardening that costs emulated memory writes and changes nothing the test looks at.
      "-append", "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 systemd.journald.forward_to_console=0 init_on_alloc=0",
      // vda root, vdb chain data, vdc control, vdd results; serials name them in the guest.
      "-drive", `file=${this.overlay},format=qcow2,if=none,id=root,cache=unsafe`,
      "-device", "virtio-blk-pci,drive=root",
      "-drive", dataDrive,
      "-device", "virtio-blk-pci,drive=data,serial=chaindata",
      "-drive", `file=${controlImg},format=raw,if=none,id=control,readonly=on`,
      "-device", "virtio-blk-pci,drive=control,serial=defimon-control",
      "-drive", `file=${resultsImg},format=raw,if=none,id=results,cache=writethrough`,
      "-device", "virtio-blk-pci,drive=results,serial=defimon-results",
      // The guest reaches nothing outside itself.
      "-netdev", "user,id=n0,restrict=on",
      "-device", "virtio-net-pci,netdev=n0",
    ];
    // nice execs QEMU in its own place: the child's pid is QEMU's.
    const child = spawn("nice", ["-n", String(this.niceness), "qemu-system-x86_64", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    this.process = child;
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        if (code && code !== 0) fs.appendFileSync(this.serialLog, `\n[qemu exited ${code}: ${stderr}]\n`);
        resolve(code);
      }),
    );
  }

  serial(): string {
    return fs.existsSync(this.serialLog) ? fs.readFileSync(this.serialLog, "utf8") : "";
  }

  /** Waits until the serial console shows `pattern`; false on timeout or if QEMU ended. */
  async waitFor(pattern: RegExp, seconds: number): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    let ended = false;
    void this.exited?.then(() => (ended = true));
    while (Date.now() < deadline) {
      if (pattern.test(this.serial())) return true;
      if (ended) return pattern.test(this.serial());
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }

  /** The probe's report of this boot (after DEFIMON-PROBE-WRITTEN). */
  report(): Report {
    const raw = fs.readFileSync(path.join(this.dir, "results.img"));
    const size = Number(raw.subarray(0, 8).toString());
    return JSON.parse(raw.subarray(8, 8 + size).toString());
  }

  async qmp(command: "system_reset" | "system_powerdown" | "quit"): Promise<void> {
    const socket = net.createConnection(path.join(this.dir, "qmp.sock"));
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      let step = 0;
      socket.on("data", (chunk) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const message = JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          if (step === 0 && message.QMP) {
            socket.write('{"execute":"qmp_capabilities"}\n');
            step = 1;
          } else if (step === 1 && "return" in message) {
            socket.write(JSON.stringify({ execute: command }) + "\n");
            step = 2;
          } else if (step === 2 && ("return" in message || "error" in message)) {
            socket.end();
            resolve();
          }
        }
      });
      socket.on("error", reject);
    });
  }

  /** Waits for QEMU to end (the guest powered off, rebooted under -no-reboot, or was reset). */
  async waitExit(seconds: number): Promise<boolean> {
    if (!this.exited) return true;
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), seconds * 1000));
    return (await Promise.race([this.exited, timeout])) !== "timeout";
  }

  kill(): void {
    this.process?.kill("SIGKILL");
  }
}

/** Reads a file from an ext4 image (the VM stopped), or undefined when it is not there. */
export function readExt4(image: string, file: string): string | undefined {
  try {
    const out = execFileSync("debugfs", ["-R", `cat ${file}`, image], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return out;
  } catch {
    return undefined;
  }
}

export function ext4Uuid(image: string): string {
  return execFileSync("blkid", ["-p", "-s", "UUID", "-o", "value", image], { encoding: "utf8" }).trim();
}
