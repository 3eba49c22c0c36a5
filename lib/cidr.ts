import { isIPv4, isIPv6 } from "net";

/** A parsed CIDR range, or undefined when `text` is not one. */
export function parseCidr(text: string): { family: 4 | 6; prefix: number } | undefined {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const prefix = Number(match[2]);
  if (isIPv4(match[1]) && prefix <= 32) return { family: 4, prefix };
  if (isIPv6(match[1]) && prefix <= 128) return { family: 6, prefix };
  return undefined;
}

/** True for ranges that stand for the whole internet (0.0.0.0/0, ::/0, or any /0). */
export function isWholeInternet(text: string): boolean {
  return parseCidr(text)?.prefix === 0;
}
