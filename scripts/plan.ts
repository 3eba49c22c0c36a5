/** npm run plan: see lib/plan/command.ts. */
import { planCommand } from "../lib/plan/command";

planCommand(process.argv.slice(2)).then((code) => process.exit(code));
