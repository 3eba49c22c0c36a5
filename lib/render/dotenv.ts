/**
 * A `.env` serializer for the subset every consumer agrees on (docker compose's
 * `env_file`, python-dotenv, systemd's EnvironmentFile): `KEY=value` lines, values
 * single-quoted when they hold anything beyond a safe set of characters.
 */

export type DotenvValue = string | number | boolean;

const keyPattern = /^[A-Z_][A-Z0-9_]*$/;
const barePattern = /^[A-Za-z0-9_./:@%+,-]*$/;

export function toDotenv(entries: Record<string, DotenvValue>, header: string[] = []): string {
  const lines = header.map((line) => `# ${line}`);
  for (const [key, raw] of Object.entries(entries)) {
    if (!keyPattern.test(key)) throw new Error(`.env key ${JSON.stringify(key)} is not an upper-case identifier`);
    const value = String(raw);
    if (/[\n\r']/.test(value)) throw new Error(`.env value of ${key} holds a newline or a single quote`);
    lines.push(`${key}=${barePattern.test(value) ? value : `'${value}'`}`);
  }
  return lines.join("\n") + "\n";
}

/** Reads back what toDotenv writes (tests, and tools that check a rendered file). */
export function parseDotenv(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([A-Z_][A-Z0-9_]*)=(?:'([^']*)'|(.*))$/.exec(line);
    if (!match) throw new Error(`not a .env line: ${line}`);
    entries[match[1]] = match[2] ?? match[3];
  }
  return entries;
}
