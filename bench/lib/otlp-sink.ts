import { createServer } from "node:http";

/**
 * Stands in for the collector in benchmarks: accepts every OTLP/HTTP export and answers success (an empty
 * protobuf message), so the instrumented API pays the full cost of exporting without a collector competing
 * for this machine's two cores. Logs one JSON line per export with its path (`/v1/traces`, `/v1/metrics`,
 * `/v1/logs`), so a bench can count the exports a run saw.
 */
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    process.stdout.write(`${JSON.stringify({ msg: "export", path: req.url })}\n`);
    res.writeHead(200, { "content-type": "application/x-protobuf" });
    res.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port })}\n`,
  );
});
