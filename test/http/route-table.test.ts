import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_ROUTES } from "../../contract/http-routes.js";
import { startTestApi, type TestApi } from "../support/in-process-api.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.stop());

/** What Express's router holds for a registered route (its own types leave the stack's layers untyped). */
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe("the HTTP route table", () => {
  it("is exactly what the app registers: no route outside it, none left out, none twice", () => {
    const app = api.server.listeners("request").at(-1) as Express;
    const registered = (app.router.stack as RouteLayer[]).flatMap(({ route }) =>
      route === undefined
        ? []
        : Object.keys(route.methods).map((m) => `${m.toUpperCase()} ${route.path.replaceAll("\\:", ":")}`),
    );
    expect(registered).toEqual(Object.values(HTTP_ROUTES).map((r) => `${r.method} ${r.template}`));
  });
});
