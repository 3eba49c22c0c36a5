/**
 * The single-host plans recorded in single-host-plans.json (one digest per resource and
 * output) and the history of why they changed: test/replicas.test.ts holds every plan to
 * the last record; test/golden/record.ts records anew, with a reason.
 */
import * as path from "path";
import type { PlanDigest } from "../helpers/planDigest";

export const goldenFile = path.join(__dirname, "single-host-plans.json");

/** The stacks recorded, and the overrides that make each a single host. */
export const singleHosts: [string, Record<string, unknown>][] = [
  ["dev", {}],
  // prod's preset has two nodes; with one it must be the single host it was.
  ["prod", { node: { replicas: 1 } }],
];

export interface Golden {
  history: { recordedAt: string; reason: string; changed: string[] }[];
  [stack: string]: PlanDigest | Golden["history"];
}
