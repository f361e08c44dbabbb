import { type Config, ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { type RunningServer, startServer } from "./server.js";
import { runShutdownHooks } from "./shutdown-hooks.js";

/** Process entry point: configuration errors exit 2 with every problem listed; SIGTERM drains and exits 0. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  logger.info(
    { port: running.port, grpcPort: running.grpcPort, host: config.HOST, models: config.MODEL_REPOSITORY },
    "listening",
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // stop() closes the listeners before its first await; the line follows, so whoever reads it finds
    // the ports closed already.
    const stopped = running.stop();
    logger.info({ signal }, "shutting down: draining in-flight requests");
    stopped.then(runShutdownHooks).then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

await main();
