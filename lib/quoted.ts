/**
 * Values as problem lines show them: JSON, cut when long, so one mistake is one short
 * line even when the value is megabytes (a pasted file, a runaway list).
 */

/** Characters of a value shown before it is cut. */
export const shownLength = 80;

/** `value` as JSON (undefined: "(not set)"), at most about `max` characters: `"abc…" (100000 characters)`. */
export function quoted(value: unknown, max = shownLength): string {
  if (value === undefined) return "(not set)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested past what JSON.stringify follows: say what it is.
    return Array.isArray(value) ? "[a list nested too deep to show]" : "{a mapping nested too deep to show}";
  }
  if (text.length <= max) return text;
  const length = typeof value === "string" ? `${value.length} characters` : `${text.length} characters as JSON`;
  return `${text.slice(0, max)}…${typeof value === "string" ? '"' : ""} (${length})`;
}

/** A whole line cut to `max` characters (a message that quotes input it did not cut). */
export function quotedLine(line: string, max = 300): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} characters)`;
}
