import type { RequestHandler } from "express";
import { setHttpRoute } from "../telemetry/http-route.js";

/**
 * The first handler of every route: names the route's template for the request's HTTP metric and span, so
 * `http.route` is a template, never a raw path. Express gives the path as registered, where a literal
 * colon is written escaped (`:name\:predict`). Unmatched requests pass no route and carry no `http.route`.
 */
export const labelRoute: RequestHandler = (req, _res, next) => {
  setHttpRoute(`${req.baseUrl}${req.route.path}`.replaceAll("\\:", ":"));
  next();
};
