import { createServer } from "node:net";

/**
 * A loopback port nothing listens on right now, for servers that cannot report the port they bound (PORT=0
 * is better where a server logs it). Another process could take it before the caller binds: rare enough
 * on a test machine, and the caller's bind then fails loudly.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
