import type { RequestHandler, Router } from "express";
import { HTTP_ROUTES, type HttpRoute, type HttpRouteName } from "../../../contract/http-routes.js";
import { setHttpRoute } from "../telemetry/http-route.js";

/**
 * A route's handlers, whatever path parameters they read: Express types each handler by the parameters of a
 * literal path, and these paths come from the route table.
 */
export type RouteHandler = RequestHandler<never>;

/** The handlers of every route in the table, by route name: the app cannot leave one out. */
export type RouteHandlers = { readonly [N in HttpRouteName]: readonly RouteHandler[] };

/** Express's path for a template: a literal colon after a parameter (`:name:predict`) is written escaped. */
export const expressPath = (template: string) => template.replace(/(?<!\/):/g, "\\:");

/**
 * Registers one route, its first handler naming the template for the request's HTTP metric and span, so
 * `http.route` is a template, never a raw path. Unmatched requests pass no route and carry no `http.route`.
 */
export function route(
  router: Router,
  { method, template }: HttpRoute,
  handlers: readonly RouteHandler[],
): void {
  const label: RequestHandler = (_req, _res, next) => {
    setHttpRoute(template);
    next();
  };
  const path = expressPath(template);
  if (method === "GET") router.get(path, label, ...handlers);
  else router.post(path, label, ...handlers);
}

/** Registers every route of the table, in its order. */
export function routeAll(router: Router, handlers: RouteHandlers): void {
  for (const [name, spec] of Object.entries(HTTP_ROUTES) as [HttpRouteName, HttpRoute][])
    route(router, spec, handlers[name]);
}
