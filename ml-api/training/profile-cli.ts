/** Entry point of `npm run profile`; see profile-command.ts. */
import { DataError } from "./data-error.js";
import { runProfileCommand } from "./profile-command.js";

try {
  process.stdout.write(await runProfileCommand(process.argv.slice(2)));
} catch (error) {
  // A user's mistake gets one readable line; anything else is a bug and keeps its stack trace.
  if (!(error instanceof DataError)) throw error;
  process.stderr.write(`profile: ${error.message}\n`);
  process.exitCode = 2;
}
