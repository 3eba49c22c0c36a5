/** npm run plan: see tools/plan/command.ts. */
import { planCommand } from "../tools/plan/command";
import { descriptorIO, stdoutClosedAtStart } from "../tools/plan/output";

const io = descriptorIO();
if (stdoutClosedAtStart()) {
  io.err("standard output is closed (>&-): the plan would go nowhere; send it to a file or a pipe");
  process.exit(1);
}
planCommand(process.argv.slice(2), io, undefined, process.env).then((code) => {
  const failure = io.failure();
  if (failure) io.err(failure);
  process.exit(failure ? 1 : code);
});
