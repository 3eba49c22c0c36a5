import { exposure, tooOpen } from "../../lib/cidr";

// Figures worked out by hand: a /n of IPv4 is 2^(32-n) addresses, private space counts 0.
describe("how much of the internet source ranges open", () => {
  it.each<[string, string[], { family: 4 | 6; addresses: bigint; whole: boolean }[]]>([
    ["one address", ["203.0.114.7/32"], [{ family: 4, addresses: 1n, whole: false }]],
    ["a /24", ["198.18.0.0/24"], [{ family: 4, addresses: 256n, whole: false }]],
    ["overlaps counted once: a /16 and a /24 inside it", ["35.1.0.0/16", "35.1.2.0/24"], [{ family: 4, addresses: 65536n, whole: false }]],
    ["a range written with host bits set", ["35.1.2.3/16"], [{ family: 4, addresses: 65536n, whole: false }]],
    ["private space: nothing from the internet", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], [{ family: 4, addresses: 0n, whole: false }]],
    // 2^32 less 10/8 and 127/8 (16,777,216 each), 172.16/12 (1,048,576), 100.64/10 (4,194,304),
    // 192.168/16 and 169.254/16 (65,536 each), three documentation /24s (768): 4,256,038,144.
    ["the two halves of IPv4", ["0.0.0.0/1", "128.0.0.0/1"], [{ family: 4, addresses: 4256038144n, whole: true }]],
    ["IPv6: a /48 and ULA space", ["2a00:1450:4001::/48", "fd00::/8"], [{ family: 6, addresses: 1n << 80n, whole: false }]],
    ["both families", ["::/0", "203.0.114.0/31"], [{ family: 4, addresses: 2n, whole: false }, { family: 6, addresses: (1n << 128n) - (1n << 121n) - (1n << 118n) - 1n - (1n << 96n), whole: true }]],
  ])("%s", (_case, ranges, expected) => {
    expect(exposure(ranges)).toEqual(expected);
  });

  it("allows up to an IPv4 /16 or an IPv6 /32 of internet addresses, in any split", () => {
    expect(tooOpen(["35.0.0.0/17", "35.0.128.0/17"])).toBeUndefined();
    expect(tooOpen(["35.0.0.0/17", "35.0.128.0/17", "36.0.0.0/32"])).toBe("65,537 IPv4 internet addresses, more than a /16 (65,536)");
    expect(tooOpen(["2a00::/32"])).toBeUndefined();
    expect(tooOpen(["2a00::/31"])).toBe("158,456,325,028,528,675,187,087,900,672 IPv6 internet addresses, more than a /32 (79,228,162,514,264,337,593,543,950,336)");
    expect(tooOpen(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"])).toBe("every IPv4 address on the internet");
  });
});
