import { formatDuration, parseDuration, toGcpDuration } from "../../lib/durations";

describe("durations", () => {
  it.each([
    [600, 600],
    ["600", 600],
    ["600s", 600],
    ["10m", 600],
    ["2h", 7200],
    ["7d", 604800],
    [0, 0],
  ])("reads %p as %p seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([["1.5h"], ["-1s"], ["10 minutes"], ["1w"], [""], [1.5], [-1], [null], [true]])("rejects %p", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it("writes the shortest exact unit and GCP's seconds form", () => {
    expect([604800, 600, 7200, 90, 0].map(formatDuration)).toEqual(["7d", "10m", "2h", "90s", "0s"]);
    expect(toGcpDuration(604800)).toBe("604800s");
  });
});
