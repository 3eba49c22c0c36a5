/**
 * Pub/Sub's filter language, offline: the documented examples pass, the mistakes Google
 * refuses at creation are named. The emulator cannot check these (it stores a filter
 * without parsing it), so this is the only check before `pulumi up`.
 */
import { filterProblem } from "../../lib/pubsubFilter";
import { deadLetterReaderInputs } from "../../components/eventBus";

describe("Pub/Sub filters", () => {
  it.each([
    'attributes.domain = "com"',
    'attributes.domain != "com"',
    "attributes:domain",
    "NOT attributes:domain",
    "-attributes:domain",
    'hasPrefix(attributes.domain, "co")',
    'attributes:domain AND attributes.region = "eu"',
    'attributes.network = "mainnet" OR attributes.network = "hoodi"',
    '(attributes:domain AND attributes.x = "1") OR NOT attributes:y',
    'attributes."iana.org/language_tag" = "en"',
    'attributes.ce-type = "dev.chainguard.bar" AND hasPrefix(attributes.ce-source, "baz/")',
    'attributes.quote = "say \\"hi\\""',
  ])("takes %s", (filter) => {
    expect(filterProblem(filter)).toBeUndefined();
  });

  it.each<[string, string]>([
    ['data.network = "mainnet"', 'expected attributes.KEY, attributes:KEY, hasPrefix(...), NOT or "(" (filters read attributes only, never the data), found "data" at 1'],
    ["attributes.network = mainnet", 'expected a "double-quoted" value, found "mainnet" at 22'],
    ["attributes.network = 'mainnet'", "\"'\" at 22 is not part of the filter language"],
    ['attributes:a AND attributes:b OR attributes:c', 'AND and OR at one level need parentheses, found "OR" at 31'],
    ['attributes.network == "mainnet"', 'expected a "double-quoted" value, found "=" at 21'],
    ['attributes.network = "mainnet', "an unclosed string literal at 22"],
    ['(attributes:a', 'expected ")" at the end'],
    ['attributes:a attributes:b', 'expected AND, OR or the end, found "attributes" at 14'],
    ["attributes.network", 'expected = or != after attributes.KEY (or attributes:KEY for "has the key") at the end'],
    ["  ", "empty: leave the key out to receive every message"],
    // 256 bytes, not characters: 97 characters, 80 of them of three bytes, are 257 bytes.
    [`attributes.x = "${"€".repeat(80)}"`, "257 bytes; Pub/Sub takes at most 256"],
  ])("refuses %s", (filter, problem) => {
    expect(filterProblem(filter)).toBe(problem);
  });

  it("takes the filter the stack gives each dead-letter reader", () => {
    const reader = deadLetterReaderInputs("defimon-events-sub", { ackDeadlineSeconds: 600, messageRetentionDuration: 604800, minimumBackoff: 1, maximumBackoff: 600, maxDeliveryAttempts: 5 }, "dead");
    expect(filterProblem(reader.filter)).toBeUndefined();
  });
});
