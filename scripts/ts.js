#!/usr/bin/env node
/**
 * Runs a TypeScript entry point of this repository's tooling: `node scripts/ts.js FILE.ts [ARGS]`
 * (npm run plan, stack:test, test:boot, ...).
 *
 * In one process, with what the project has already: TypeScript is stripped by SWC (as
 * jest's transform does; the type-check is `npm run typecheck`), and Node's compile cache
 * keeps the bytecode of every module it loads, @pulumi/* included, under
 * node_modules/.cache/defimon/ (removed with node_modules). A second run of the offline
 * plan then loads its 1,300 modules from cache instead of compiling them again.
 */
"use strict";
require("./requireNode");
const fs = require("fs");
const Module = require("module");
const path = require("path");

Module.enableCompileCache?.(path.join(__dirname, "..", "node_modules", ".cache", "defimon", "node-compile-cache"));

const swc = require("@swc/core");
const options = { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" }, sourceMaps: "inline" };
require.extensions[".ts"] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, "utf8"), { ...options, filename });
  module._compile(code, filename);
};

const [entry] = process.argv.splice(1, 2).slice(1);
if (!entry) {
  console.error("usage: node scripts/ts.js FILE.ts [ARGS]");
  process.exit(2);
}
// The entry sees its own path as argv[1], as `node FILE` would give it.
process.argv.splice(1, 0, path.resolve(entry));
// Loaded as the main module, so that `require.main === module` holds in it, as under `node FILE`.
Module._load(path.resolve(entry), null, true);
