/**
 * The Pulumi CLI version this project needs, from Pulumi.yaml's requiredPulumiVersion
 * (one source: the CLI enforces it itself from 3.219 on; `npm run stack:test` and CI check
 * it for older CLIs, which would otherwise fail on the `type: object` config declarations).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export function minimumPulumiCli(projectDir: string): string {
  const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { requiredPulumiVersion?: string };
  const match = /^>=\s*([0-9]+\.[0-9]+\.[0-9]+)$/.exec(project.requiredPulumiVersion ?? "");
  if (!match) throw new Error(`Pulumi.yaml: requiredPulumiVersion ${JSON.stringify(project.requiredPulumiVersion)} is not of the form ">=X.Y.Z"`);
  return match[1];
}

/** Whether version `a` is at least `b` (X.Y.Z). */
export function atLeast(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
}
