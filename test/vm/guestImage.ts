/**
 * The boot test's guest: Debian trixie (docker.io 26, Compose v2.26: close to what Ubuntu
 * 24.04 installs) built with mmdebstrap from Debian's packages, with the kernel and
 * initramfs beside it, so QEMU boots it directly. What Google provides a VM is stood in
 * (test/vm/guest: metadata server, Secret Manager, registries, the guest agent's units and
 * script runner); nothing of the stack itself is in the image: the startup script comes
 * from the planned metadata at each boot, as on Compute Engine.
 *
 * The image is cached by a hash of everything that goes into it, under
 * ~/.cache/defimon/boot-image/<hash>/.
 */
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildStandinImages, standinImages, standinInputs } from "./standinImages";

export interface GuestImage {
  dir: string;
  root: string;
  kernel: string;
  initrd: string;
  /** Stand-in image reference -> manifest digest. */
  digests: Record<string, string>;
}

const suite = "trixie";
/** Docker and Compose are in the image (a new Ubuntu VM installs them from its archive; here the
 * startup script still installs Ubuntu's `docker-compose-v2` package name, from a local repository). */
export const guestPackages = [
  "linux-image-cloud-amd64", "initramfs-tools", "systemd-sysv", "dbus", "udev", "e2fsprogs", "util-linux",
  "curl", "ca-certificates", "iproute2", "docker.io", "docker-cli", "docker-compose", "python3", "procps", "kmod", "findutils",
];
const guestDir = path.join(__dirname, "guest");
/** Where the guest image keeps the Docker CLI until the startup script's install puts it back. */
const dockerAside = "/usr/lib/defimon-standin/docker";

/** The guest's registry, Secret Manager and Artifact Registry names, all served in the guest. */
export const tlsNames = ["registry-1.docker.io", "europe-west1-docker.pkg.dev", "secretmanager.googleapis.com"];

function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 << 20 });
}

export function imageKey(): string {
  const hash = createHash("sha256");
  // This file's own text too: how the image is put together is part of what goes into it.
  hash.update(JSON.stringify({ suite, guestPackages, tlsNames })).update(fs.readFileSync(__filename));
  for (const file of fs.readdirSync(guestDir).sort()) hash.update(file).update(fs.readFileSync(path.join(guestDir, file)));
  hash.update(standinInputs());
  return hash.digest("hex").slice(0, 16);
}

export function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "defimon", "boot-image");
}

/** The cached image, built first when missing. */
export function guestImage(log: (line: string) => void): GuestImage {
  const dir = path.join(cacheRoot(), imageKey());
  const manifest = path.join(dir, "image.json");
  if (fs.existsSync(manifest)) return { dir, ...JSON.parse(fs.readFileSync(manifest, "utf8")) };

  log(`building the guest image (${suite}, mmdebstrap) into ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-guest-"));
  try {
    const staging = path.join(work, "staging");
    const put = (target: string, content: string | Buffer, mode = 0o644) => {
      const file = path.join(staging, target);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content, { mode });
    };
    const guest = (name: string) => fs.readFileSync(path.join(guestDir, name));

    put("usr/local/sbin/gce-standin", guest("gce-standin.py"), 0o755);
    put("usr/local/sbin/defimon-probe", guest("defimon-probe"), 0o755);
    put("usr/bin/google_metadata_script_runner_adapt", guest("google_metadata_script_runner_adapt"), 0o755);
    for (const unit of ["gce-standin.service", "google-startup-scripts.service", "google-shutdown-scripts.service", "defimon-probe.service"]) put(`etc/systemd/system/${unit}`, guest(unit));
    for (const unit of ["google-startup-scripts", "google-shutdown-scripts"]) put(`etc/systemd/system/${unit}.service.d/standin-order.conf`, guest("standin-order.conf"));
    put("etc/udev/rules.d/65-gce-disk-naming.rules", guest("65-gce-disk-naming.rules"));
    // dl.google.com (the Ops Agent's installer) has no stand-in: pointed at the loopback, it
    // fails at once (a certificate for other names) instead of after curl's DNS retries.
    put("etc/hosts", `127.0.0.1 localhost\n169.254.169.254 metadata.google.internal\n127.0.0.1 ${tlsNames.join(" ")} dl.google.com\n`);
    put("etc/hostname", "defimon-node-vm\n");
    // Published ports by iptables alone, without a docker-proxy process per port (Ubuntu's
    // Docker runs one each: a Go program that costs a second of emulated CPU to start). The
    // test never connects to a published port from outside the containers.
    put("etc/docker/daemon.json", JSON.stringify({ "userland-proxy": false }) + "\n");

    // A test CA the guest trusts, and one certificate for every name served over TLS.
    const tls = path.join(work, "tls");
    fs.mkdirSync(tls);
    run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=defimon boot test CA", "-keyout", "ca.key", "-out", "ca.crt"], tls);
    run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=standin", "-keyout", "server.key", "-out", "server.csr"], tls);
    fs.writeFileSync(path.join(tls, "san.cnf"), `subjectAltName=${tlsNames.map((name) => `DNS:${name}`).join(",")}\n`);
    run("openssl", ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "3650", "-extfile", "san.cnf", "-out", "server.crt"], tls);
    put("usr/local/share/ca-certificates/defimon-boot-test.crt", fs.readFileSync(path.join(tls, "ca.crt")));
    put("etc/standin/tls/server.crt", fs.readFileSync(path.join(tls, "server.crt")));
    put("etc/standin/tls/server.key", fs.readFileSync(path.join(tls, "server.key")), 0o600);

    // Ubuntu's package name for the Compose plugin, in a local repository (the guest has
    // no network): the startup script installs it as it would on Ubuntu, through apt.
    const pkg = path.join(work, "docker-compose-v2");
    fs.mkdirSync(path.join(pkg, "DEBIAN"), { recursive: true });
    fs.writeFileSync(
      path.join(pkg, "DEBIAN", "control"),
      "Package: docker-compose-v2\nVersion: 2.26.1-0defimon1\nArchitecture: all\nMaintainer: DEFIMON boot test <test@localhost>\nDepends: docker-compose\nDescription: Ubuntu's name for the Compose v2 plugin (boot test stand-in)\n",
    );
    // Docker Engine is in the image but, as on a new Ubuntu VM where it is not installed yet,
    // neither running nor on the PATH at first boot (its CLI set aside): installing this
    // package puts the CLI back, then enables and starts Docker, as Ubuntu's docker.io
    // postinst does (deb-systemd-helper enable, deb-systemd-invoke start). A script that
    // looks for `docker` and finds it installs it, as it would on Ubuntu.
    fs.writeFileSync(
      path.join(pkg, "DEBIAN", "postinst"),
      [
        "#!/bin/sh",
        "set -e",
        'if [ "$1" = configure ]; then',
        `  if [ -e ${dockerAside} ]; then mv ${dockerAside} /usr/bin/docker; fi`,
        "  systemctl enable containerd.service docker.socket docker.service",
        "  systemctl start docker.service",
        "fi",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const debs = path.join(staging, "var", "local", "debs");
    fs.mkdirSync(debs, { recursive: true });
    run("dpkg-deb", ["--root-owner-group", "--build", pkg, path.join(debs, "docker-compose-v2_2.26.1-0defimon1_all.deb")]);
    fs.writeFileSync(path.join(debs, "Packages"), run("dpkg-scanpackages", [".", "/dev/null"], debs));

    const digests = buildStandinImages(path.join(staging, "var", "lib", "standin", "registry"));

    const rootfs = path.join(work, "rootfs");
    run("mmdebstrap", [
      "--quiet",
      "--variant=minbase",
      `--include=${guestPackages.join(",")}`,
      `--customize-hook=cp -a ${staging}/. "$1"/`,
      '--customize-hook=chroot "$1" update-ca-certificates',
      '--customize-hook=chroot "$1" systemctl enable gce-standin.service google-startup-scripts.service google-shutdown-scripts.service defimon-probe.service',
      // An initramfs with only what this guest boots from (virtio disks; ext4 is built in).
      '--customize-hook=printf "MODULES=list\\n" > "$1"/etc/initramfs-tools/conf.d/defimon-modules; printf "virtio_pci\\nvirtio_blk\\n" >> "$1"/etc/initramfs-tools/modules; chroot "$1" update-initramfs -u -k all',
      // Periodic jobs, consoles nobody logs in on, and kernel modules for hardware the
      // guest does not use (QEMU's "max" CPU offers SVM): emulated CPU spent for nothing.
      '--customize-hook=chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer dpkg-db-backup.timer e2scrub_reap.service getty@tty1.service serial-getty@ttyS0.service',
      '--customize-hook=printf "blacklist kvm\\nblacklist kvm_amd\\nblacklist kvm_intel\\nblacklist powernow_k8\\n" > "$1"/etc/modprobe.d/defimon-boot-test.conf',
      // Docker, not containerd's Kubernetes (CRI) plugin, as Docker's own containerd package ships it.
      '--customize-hook=mkdir -p "$1"/etc/containerd; printf "version = 2\\ndisabled_plugins = [\\"io.containerd.grpc.v1.cri\\"]\\n" > "$1"/etc/containerd/config.toml',
      // Not installed on a new Ubuntu VM: stopped, its CLI set aside, until the startup script installs it.
      '--customize-hook=chroot "$1" systemctl disable docker.service docker.socket containerd.service',
      `--customize-hook=mkdir -p "$1"${path.dirname(dockerAside)} && mv "$1"/usr/bin/docker "$1"${dockerAside}`,
      // What systemd would otherwise redo on each VM's first boot (ConditionNeedsUpdate).
      '--customize-hook=chroot "$1" ldconfig; chroot "$1" journalctl --update-catalog; for d in etc var; do touch -r "$1"/usr "$1/$d/.updated"; done',
      // No network: only the local repository.
      '--customize-hook=rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*; echo "deb [trusted=yes] file:/var/local/debs ./" > "$1"/etc/apt/sources.list',
      suite,
      rootfs,
    ]);
    const boot = path.join(rootfs, "boot");
    const kernel = fs.readdirSync(boot).find((file) => file.startsWith("vmlinuz-"))!;
    const initrd = fs.readdirSync(boot).find((file) => file.startsWith("initrd.img-"))!;
    fs.copyFileSync(path.join(boot, kernel), path.join(dir, "vmlinuz"));
    fs.copyFileSync(path.join(boot, initrd), path.join(dir, "initrd.img"));
    run("truncate", ["-s", "4G", path.join(dir, "root.img")]);
    run("mkfs.ext4", ["-q", "-F", "-L", "root", "-d", rootfs, path.join(dir, "root.img")]);
    const image = { root: path.join(dir, "root.img"), kernel: path.join(dir, "vmlinuz"), initrd: path.join(dir, "initrd.img"), digests };
    fs.writeFileSync(manifest, JSON.stringify(image, null, 1));
    log(`guest image ready: ${standinImages.length} stand-in images, ${Math.round(fs.statSync(image.root).blocks * 512 / 1e6)} MB`);
    // Older images (other keys) are of no further use.
    for (const other of fs.readdirSync(cacheRoot())) if (other !== path.basename(dir)) fs.rmSync(path.join(cacheRoot(), other), { recursive: true, force: true });
    return { dir, ...image };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
