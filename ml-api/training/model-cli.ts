/** Entry point of `npm run model`; see model-command.ts. */
import { DataError } from "./data-error.js";
import { runModelCommand } from "./model-command.js";

try {
  process.stdout.write(await runModelCommand(process.argv.slice(2)));
} catch (error) {
  // A user's mistake gets one readable line; anything else is a bug and keeps its stack trace.
  if (!(error instanceof DataError)) throw error;
  process.stderr.write(`model: ${error.message}\n`);
  process.exitCode = 2;
}
