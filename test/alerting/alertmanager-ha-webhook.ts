import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Post } from "./receivers.js";

/**
 * A Slack incoming-webhook stand-in that can be told to fail, for the Alertmanager cluster tests: like
 * receivers.ts's WebhookSink it keeps every POST by path, and it also answers each with `status` (200, as
 * Slack does, until a test sets 500) and records what it answered, so retries show as repeated POSTs of one
 * message answered 500.
 */

export interface AnsweredPost extends Post {
  /** The HTTP status this stand-in answered. */
  status: number;
}

export class SwitchableWebhook {
  readonly posts: AnsweredPost[] = [];
  /** What every POST is answered with from now on. */
  status = 200;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<SwitchableWebhook> {
    let hook: SwitchableWebhook | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Kept as text: a test asserting on it will say what came.
        }
        const status = hook?.status ?? 200;
        hook?.posts.push({ at: Date.now(), path: req.url ?? "", body, status });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "internal_error");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    hook = new SwitchableWebhook(server, (server.address() as AddressInfo).port);
    return hook;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
