/**
 * Pub/Sub's subscription filter language, checked offline (the emulator stores a filter
 * without parsing it; Google refuses a bad one when the subscription is created, after
 * the rest of the stack is made). Source: Pub/Sub, "Filter messages from a subscription"
 * (cloud.google.com/pubsub/docs/subscription-message-filter), read 2026-12-06:
 *
 *   condition := attributes:KEY | attributes.KEY = "v" | attributes.KEY != "v"
 *              | hasPrefix(attributes.KEY, "p")
 *   expression := condition | ( expression ) | NOT expression | -expression
 *              | expression AND expression | expression OR expression
 *
 * Attributes only (never the message's data); values are double-quoted string literals;
 * a key other than letters, digits, - and _ is written as a string literal; AND and OR
 * at one level need parentheses; at most 256 bytes.
 */

export const filterMaxBytes = 256;

type Token = { kind: "word" | "string" | "op"; text: string; at: number };

function tokenize(filter: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < filter.length && filter[j] !== '"') j += filter[j] === "\\" ? 2 : 1;
      if (j >= filter.length) return `an unclosed string literal at ${i + 1}`;
      tokens.push({ kind: "string", text: filter.slice(i, j + 1), at: i });
      i = j + 1;
    } else if (filter.startsWith("!=", i)) {
      tokens.push({ kind: "op", text: "!=", at: i });
      i += 2;
    } else if ("=:().,-".includes(c)) {
      tokens.push({ kind: "op", text: c, at: i });
      i++;
    } else if (/[A-Za-z0-9_]/.test(c)) {
      let j = i;
      // A key may hold hyphens (attributes.ce-type); "-" alone stays the NOT operator.
      while (j < filter.length && /[A-Za-z0-9_-]/.test(filter[j])) j++;
      tokens.push({ kind: "word", text: filter.slice(i, j), at: i });
      i = j;
    } else {
      return `"${c}" at ${i + 1} is not part of the filter language`;
    }
  }
  return tokens;
}

class FilterSyntax extends Error {}

/** Why `filter` is not a filter Pub/Sub accepts, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  if (Buffer.byteLength(filter, "utf8") > filterMaxBytes) return `${Buffer.byteLength(filter, "utf8")} bytes; Pub/Sub takes at most ${filterMaxBytes}`;
  if (!filter.trim()) return "empty: leave the key out to receive every message";
  const tokens = tokenize(filter);
  if (typeof tokens === "string") return tokens;
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    const token = peek();
    throw new FilterSyntax(token ? `${what}, found "${token.text}" at ${token.at + 1}` : `${what} at the end`);
  };
  const expect = (text: string) => (peek()?.text === text ? tokens[i++] : fail(`expected "${text}"`));
  const key = () => {
    const token = peek();
    if (token?.kind === "word" || token?.kind === "string") return tokens[i++];
    return fail("expected an attribute key");
  };
  const value = () => (peek()?.kind === "string" ? tokens[i++] : fail('expected a "double-quoted" value'));

  const condition = (): void => {
    const token = peek();
    if (token?.text === "(") {
      i++;
      expression();
      expect(")");
      return;
    }
    if (token?.text === "NOT" || token?.text === "-") {
      i++;
      condition();
      return;
    }
    if (token?.text === "hasPrefix") {
      i++;
      expect("(");
      expect("attributes");
      expect(".");
      key();
      expect(",");
      value();
      expect(")");
      return;
    }
    if (token?.text !== "attributes") fail('expected attributes.KEY, attributes:KEY, hasPrefix(...), NOT or "(" (filters read attributes only, never the data)');
    i++;
    if (peek()?.text === ":") {
      i++;
      key();
      return;
    }
    expect(".");
    key();
    if (peek()?.text !== "=" && peek()?.text !== "!=") fail('expected = or != after attributes.KEY (or attributes:KEY for "has the key")');
    i++;
    value();
  };
  const expression = (): void => {
    condition();
    let joiner: string | undefined;
    while (peek()?.text === "AND" || peek()?.text === "OR") {
      if (joiner && joiner !== peek()!.text) fail(`AND and OR at one level need parentheses`);
      joiner = tokens[i++].text;
      condition();
    }
  };
  try {
    expression();
    if (i < tokens.length) fail("expected AND, OR or the end");
    return undefined;
  } catch (error) {
    if (error instanceof FilterSyntax) return error.message;
    throw error;
  }
}
