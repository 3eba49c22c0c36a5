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

// ---------------------------------------------------------------------------
// How much of the internet a set of ranges opens, however it is split.

type Interval = [bigint, bigint]; // [first, last], inclusive

function addressValue(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split(".").reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
  // Expand "::" and an embedded IPv4 tail into eight 16-bit groups.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = addressValue(v4[1], 4);
    text = text.slice(0, -v4[1].length) + `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill("0"), ...groups(tail)];
  return all.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function interval(text: string): { family: 4 | 6; range: Interval } | undefined {
  const parsed = parseCidr(text);
  if (!parsed) return undefined;
  const bits = parsed.family === 4 ? 32n : 128n;
  const size = 1n << (bits - BigInt(parsed.prefix));
  const first = (addressValue(text.split("/")[0], parsed.family) / size) * size;
  return { family: parsed.family, range: [first, first + size - 1n] };
}

function merge(ranges: Interval[]): Interval[] {
  const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Interval[] = [];
  for (const [first, last] of sorted) {
    const top = merged[merged.length - 1];
    if (top && first <= top[1] + 1n) top[1] = last > top[1] ? last : top[1];
    else merged.push([first, last]);
  }
  return merged;
}

/** What `ranges` minus `holes` leaves (both merged). */
function subtract(ranges: Interval[], holes: Interval[]): Interval[] {
  let rest = ranges;
  for (const [holeFirst, holeLast] of holes) {
    rest = rest.flatMap(([first, last]): Interval[] => {
      if (holeLast < first || holeFirst > last) return [[first, last]];
      const pieces: Interval[] = [];
      if (first < holeFirst) pieces.push([first, holeFirst - 1n]);
      if (last > holeLast) pieces.push([holeLast + 1n, last]);
      return pieces;
    });
  }
  return rest;
}

/**
 * Addresses no packet from the internet comes from: private, shared, loopback, link-local
 * and documentation space (RFC 1918, 6598, 1122, 3927, 5737; RFC 4193 ULA, 4291 link-local).
 * A firewall may admit them in any size: they reach the host only from inside the VPC.
 */
const notInternet: Record<4 | 6, string[]> = {
  4: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"],
  6: ["fc00::/7", "fe80::/10", "::1/128", "2001:db8::/32"],
};

/**
 * The most internet addresses one rule may admit. An IPv4 /16 (65,536 addresses) is a
 * large organization's egress; anything wider (a /8 is 16.7 million) is "everyone" in
 * practice. For IPv6, a /32 is a whole provider's allocation (RIPE-738: the minimum LIR
 * allocation), so no more than that.
 */
export const maxOpenAddresses: Record<4 | 6, { addresses: bigint; as: string }> = {
  4: { addresses: 1n << 16n, as: "a /16" },
  6: { addresses: 1n << 96n, as: "a /32" },
};

export interface Exposure {
  family: 4 | 6;
  /** Internet addresses the ranges admit together, overlaps counted once. */
  addresses: bigint;
  /** The ranges cover every internet address of the family. */
  whole: boolean;
}

/** For each family present, how many internet addresses the ranges admit together. */
export function exposure(ranges: string[]): Exposure[] {
  const byFamily: Record<4 | 6, Interval[]> = { 4: [], 6: [] };
  for (const text of ranges) {
    const parsed = interval(text);
    if (parsed) byFamily[parsed.family].push(parsed.range);
  }
  return ([4, 6] as const)
    .filter((family) => byFamily[family].length)
    .map((family) => {
      const holes = merge(notInternet[family].map((text) => interval(text)!.range));
      const open = subtract(merge(byFamily[family]), holes);
      const addresses = open.reduce((sum, [first, last]) => sum + last - first + 1n, 0n);
      const everything = subtract([[0n, (family === 4 ? 1n << 32n : 1n << 128n) - 1n]], holes);
      const total = everything.reduce((sum, [first, last]) => sum + last - first + 1n, 0n);
      return { family, addresses, whole: addresses === total };
    });
}

/** What ranges that open too much open ("every IPv4 address on the internet"), or undefined. */
export function tooOpen(ranges: string[]): string | undefined {
  for (const { family, addresses, whole } of exposure(ranges)) {
    const limit = maxOpenAddresses[family];
    if (whole) return `every IPv${family} address on the internet`;
    if (addresses > limit.addresses) return `${addresses.toLocaleString("en-US")} IPv${family} internet addresses, more than ${limit.as} (${limit.addresses.toLocaleString("en-US")})`;
  }
  return undefined;
}
