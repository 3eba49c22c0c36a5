// Evaluates CEL expressions with @marcbachmann/cel-js (an implementation of google/cel-spec;
// an ES module, so it runs here, beside jest, not inside it). Reads
// [{expression, context}, ...] as JSON on stdin; prints one result per case: true, false,
// or {"error": message} (Google refuses a credential whose condition errs, e.g. on a claim
// the token does not carry).
import { evaluate } from "@marcbachmann/cel-js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ expression, context }) => {
  try {
    return evaluate(expression, context);
  } catch (error) {
    return { error: String(error.message).split("\n")[0] };
  }
});
process.stdout.write(JSON.stringify(results, (_, value) => (typeof value === "bigint" ? Number(value) : value)));
