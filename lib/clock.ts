/**
 * The time the stack's dated facts (network upgrades, security releases, support
 * windows: data/client-currency.json) are judged at. The real clock, unless fixed: the
 * test suite fixes it (test/helpers/fixedClock.ts), and `npm run plan -- --at <time>`
 * plans a stack as of another moment ("does dev still plan after the fork?").
 * `pulumi preview` and `pulumi up` always judge at the real time.
 */
let fixed: Date | undefined;

export function now(): Date {
  return fixed ? new Date(fixed.getTime()) : new Date();
}

/** The fixed time, or undefined on the real clock (to put back what a caller found). */
export function fixedAt(): Date | undefined {
  return fixed;
}

/** Fixes the clock at `at`, or back to the real clock with undefined. */
export function setClock(at: Date | undefined): void {
  if (at !== undefined && Number.isNaN(at.getTime())) throw new Error("setClock: not a valid time");
  fixed = at;
}
