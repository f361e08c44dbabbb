import type { RequestHandler } from "express";
import { OverloadedError } from "../errors.js";

/**
 * Admission control for inference. ONNX Runtime runs each model on the event loop, so past saturation
 * requests only wait for one another: every one admitted beyond capacity adds its service time to the
 * latency of all behind it. Counting requests from their arrival (before the body is read) to their
 * response, and refusing the ones beyond a fixed number at once, keeps the wait of accepted requests at
 * most `limit` service times, whatever the offered load. One gate is shared by every inference route.
 */
export class AdmissionGate {
  private current = 0;

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.current;
  }

  /**
   * Middleware for inference routes, placed before body parsing so a refused request costs no parsing:
   * admits the request, freeing its place when the response closes (sent or aborted), or passes an
   * OverloadedError on after `onRefused` has counted it.
   */
  admit<P>(onRefused: (params: P) => void): RequestHandler<P> {
    return (req, res, next) => {
      if (this.current >= this.limit) {
        onRefused(req.params);
        next(new OverloadedError(this.limit));
        return;
      }
      this.current++;
      res.once("close", () => {
        this.current--;
      });
      next();
    };
  }
}
