import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * What Alertmanager delivers to, run by the delivery tests on loopback: a real SMTP server (with
 * authentication, as a provider's would ask) and an HTTP server standing in for Slack's incoming webhooks
 * and the heartbeat's dead man's switch. Each records what arrived and when.
 */

export interface Mail {
  at: number;
  user: string;
  mail: ParsedMail;
}

export class SmtpSink {
  readonly mails: Mail[] = [];
  /** Logins refused: a wrong password from the secret file would show here. */
  readonly refused: string[] = [];
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(username: string, password: string): Promise<SmtpSink> {
    let sink: SmtpSink | undefined;
    const server = new SMTPServer({
      // No TLS on loopback; Go's PLAIN auth sends credentials unencrypted only to 127.0.0.1 or localhost.
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === username && auth.password === password) {
          callback(null, { user: username });
        } else {
          sink?.refused.push(auth.username ?? "");
          callback(new Error("Invalid username or password"));
        }
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (mail) => {
            sink?.mails.push({ at: Date.now(), user: String(session.user ?? ""), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return sink;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Post {
  at: number;
  path: string;
  body: unknown;
  /** The HTTP status the sink answered. */
  status: number;
}

/**
 * Answers every POST with `status` (200, as Slack's webhook does, until a test sets a failure) and keeps
 * the JSON bodies by path with what it answered, so retries show as repeated POSTs of one message.
 */
export class WebhookSink {
  readonly posts: Post[] = [];
  /** What every POST is answered with from now on. */
  status = 200;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<WebhookSink> {
    let sink: WebhookSink | undefined;
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
        const status = sink?.status ?? 200;
        sink?.posts.push({ at: Date.now(), path: req.url ?? "", body, status });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "internal_error");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    sink = new WebhookSink(server, (server.address() as AddressInfo).port);
    return sink;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
