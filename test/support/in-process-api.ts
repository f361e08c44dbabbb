import { loadConfig } from "../../ml-api/src/config.js";
import { createLogger } from "../../ml-api/src/logger.js";
import { type MetricsOutput, type RunningServer, startServer } from "../../ml-api/src/server.js";
import { controlHeaders, testSecretEnv } from "./control-secrets.js";

/** Response bodies are arbitrary JSON that each test asserts on field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into response JSON without declaring every shape
export type JsonResponse = { status: number; body: any };

export interface TestApi extends RunningServer {
  url: string;
  /**
   * Sends the control token unless `headers` name their own `authorization` ("" sends none), so writes
   * pass the guard the way an operator's client does.
   */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonResponse>;
  get(path: string): Promise<JsonResponse>;
}

/** The real ML API with the repository's real models, on a free loopback port; metrics go to `metrics`. */
export async function startTestApi(
  env: Record<string, string> = {},
  metrics?: MetricsOutput,
): Promise<TestApi> {
  const config = loadConfig({
    PORT: "0",
    GRPC_PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    ...testSecretEnv(),
    ...env,
  });
  const running = await startServer(config, createLogger(config.LOG_LEVEL), metrics);
  const url = `http://127.0.0.1:${running.port}`;
  const call = async (path: string, init: RequestInit) => {
    const res = await fetch(url + path, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...running,
    url,
    post: (path, body, headers = {}) =>
      call(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...controlHeaders(), ...headers },
        body: typeof body === "string" || body instanceof Buffer ? (body as BodyInit) : JSON.stringify(body),
      }),
    get: (path) => call(path, { method: "GET" }),
  };
}
