/** npm run plan: see lib/plan/command.ts. */
import { planCommand } from "../lib/plan/command";

// Exit only once stdout has taken everything: process.exit() right away cuts a piped
// document at the pipe's buffer (64 KiB).
planCommand(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));
