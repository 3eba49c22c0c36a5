/**
 * .ci/node22 on a machine with an older Node and an npm registry it cannot use: it must
 * say why and fail, not print a PATH entry. The older Node is a wrapper that reports
 * major version 20 to the script's check and runs the real node otherwise (npm included).
 * The registry is the machine's global npm config (a TLS-intercepting proxy sets its
 * cafile there): the install must follow it, though `--prefix` moves npm's global config.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

describe(".ci/node22", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "defimon-node22-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("with no usable registry: exit 1, nothing on stdout, the reason and the registry it used on stderr", () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "node"), `#!/bin/sh\nif [ "$1" = "-p" ]; then echo 20; exit 0; fi\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
    const npmDir = path.dirname(spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim());
    // The machine's global npm config, where npm looks for it by default: <prefix>/etc/npmrc.
    const machinePrefix = path.join(dir, "machine");
    fs.mkdirSync(path.join(machinePrefix, "etc"), { recursive: true });
    fs.writeFileSync(path.join(machinePrefix, "etc", "npmrc"), "registry=http://127.0.0.1:9/\n");
    const result = spawnSync(path.join(root, ".ci", "node22"), [], {
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: `${bin}:${npmDir}:/usr/bin:/bin`, HOME: dir, XDG_CACHE_HOME: path.join(dir, "cache"), npm_config_prefix: machinePrefix, npm_config_fetch_retries: "0" },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`.ci/node22: could not install node@22.23.3 from the npm registry into ${path.join(dir, "cache", "defimon", "node-22.23.3")} (registry http://127.0.0.1:9/):`);
    expect(result.stderr).toContain("ECONNREFUSED");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("with Node >= 22 on PATH: prints its folder", () => {
    const result = spawnSync(path.join(root, ".ci", "node22"), [], { encoding: "utf8", env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` } });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(path.dirname(process.execPath));
  });
});
