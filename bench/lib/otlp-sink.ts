import { createServer } from "node:http";

/**
 * Stands in for the collector in benchmarks: accepts every OTLP/HTTP export and answers success (an empty
 * protobuf message), so the instrumented API pays the full cost of exporting without a collector competing
 * for this machine's two cores.
 */
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/x-protobuf" });
    res.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", port: (server.address() as { port: number }).port })}\n`,
  );
});
