/**
 * npm run check:secrets-provider -- STACK: exit 0 when Pulumi.<STACK>.yaml names a Cloud
 * KMS secrets provider with its encrypted key (and a protected stack's key is its own),
 * else 1 with one line per problem. The workflows run it before any cloud step.
 */
import { projectRoot } from "../tools/plan/run";
import { stackNames } from "../tools/plan/stackFiles";
import { secretsProviderProblems } from "../tools/stackSecrets";

const [stack, ...rest] = process.argv.slice(2);
if (!stack || rest.length) {
  console.error("usage: npm run check:secrets-provider -- STACK");
  process.exit(2);
}
const problems = secretsProviderProblems(projectRoot, stack, stackNames(projectRoot));
for (const problem of problems) console.error(problem);
if (!problems.length) console.log(`Pulumi.${stack}.yaml: secrets provider set`);
process.exit(problems.length ? 1 : 0);
