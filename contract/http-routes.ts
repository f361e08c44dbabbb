/**
 * The ML API's HTTP routes: the one place their templates are written. The API registers exactly these, in
 * this order, and labels each request's `http.route` with the template; the traffic generator, the rules
 * and the tests name routes through this table, never by spelling a template again. Model routes exist with
 * and without `/versions/:version` as separate templates, so the route label stays readable.
 */
export interface HttpRoute {
  readonly method: "GET" | "POST";
  /** As `http.route` carries it; a `:` after a parameter is literal (`:name:predict`). */
  readonly template: string;
  readonly serves: string;
}

export const HTTP_ROUTES = {
  healthz: { method: "GET", template: "/healthz", serves: "liveness, for load balancers" },
  v2Live: { method: "GET", template: "/v2/health/live", serves: "OIP V2 liveness" },
  readyz: { method: "GET", template: "/readyz", serves: "readiness, for load balancers" },
  v2Ready: { method: "GET", template: "/v2/health/ready", serves: "OIP V2 readiness" },
  v1Models: { method: "GET", template: "/v1/models", serves: "KServe V1 model names" },
  v1Model: { method: "GET", template: "/v1/models/:name", serves: "KServe V1 model status" },
  v1Predict: { method: "POST", template: "/v1/models/:name:predict", serves: "KServe V1 prediction" },
  v2Server: { method: "GET", template: "/v2", serves: "OIP V2 server metadata" },
  v2ModelReady: { method: "GET", template: "/v2/models/:name/ready", serves: "OIP V2 model readiness" },
  v2VersionReady: {
    method: "GET",
    template: "/v2/models/:name/versions/:version/ready",
    serves: "OIP V2 model version readiness",
  },
  v2Model: { method: "GET", template: "/v2/models/:name", serves: "OIP V2 model metadata" },
  v2Version: {
    method: "GET",
    template: "/v2/models/:name/versions/:version",
    serves: "OIP V2 model version metadata",
  },
  v2Infer: { method: "POST", template: "/v2/models/:name/infer", serves: "OIP V2 inference" },
  v2InferVersion: {
    method: "POST",
    template: "/v2/models/:name/versions/:version/infer",
    serves: "OIP V2 inference on a version",
  },
  feedback: { method: "POST", template: "/v2/models/:name/feedback", serves: "true labels" },
  feedbackVersion: {
    method: "POST",
    template: "/v2/models/:name/versions/:version/feedback",
    serves: "true labels for a version",
  },
  repositoryIndex: { method: "POST", template: "/v2/repository/index", serves: "model repository index" },
  repositoryLoad: {
    method: "POST",
    template: "/v2/repository/models/:name/load",
    serves: "load a model",
  },
  repositoryUnload: {
    method: "POST",
    template: "/v2/repository/models/:name/unload",
    serves: "unload a model",
  },
} as const satisfies Record<string, HttpRoute>;

export type HttpRouteName = keyof typeof HTTP_ROUTES;

/** A path that `route` answers: each `:param` of its template filled in (encoded). */
export function routePath(route: HttpRoute, params: Readonly<Record<string, string>> = {}): string {
  return route.template.replace(/(?<=\/):(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.template} needs a value for :${name}`);
    return encodeURIComponent(value);
  });
}
