/**
 * Durations as the stack config accepts them: a whole number of seconds, or a
 * whole number followed by `s`, `m`, `h` or `d` ("600s", "10m", "7d").
 * GCP's APIs take seconds with an `s` suffix ("604800s"); `toGcpDuration` writes that.
 */

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const durationPattern = /^(\d+)([smhd]?)$/;

/** Seconds in `value`, or undefined when it is not a duration this stack accepts. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== "string") return undefined;
  const match = durationPattern.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * unitSeconds[match[2] || "s"];
}

/** The shortest exact spelling of `seconds`: 604800 -> "7d", 600 -> "10m", 90 -> "90s". */
export function formatDuration(seconds: number): string {
  for (const unit of ["d", "h", "m"]) {
    if (seconds > 0 && seconds % unitSeconds[unit] === 0) return `${seconds / unitSeconds[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/** The form GCP's duration fields take: "604800s". */
export function toGcpDuration(seconds: number): string {
  return `${seconds}s`;
}
