import type { Histogram, Meter } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  METRIC_RPC_SERVER_CALL_DURATION,
  RPC_SYSTEM_NAME_VALUE_GRPC,
} from "@opentelemetry/semantic-conventions";
import { RPC_SECONDS_BUCKETS } from "../../../contract/histogram-buckets.js";

/**
 * `rpc.server.call.duration` of the stable RPC semantic conventions (which replaced the experimental
 * `rpc.server.duration` in milliseconds): one observation per gRPC call the API answers, by method and
 * status. The gRPC instrumentation makes the server spans but records no metric, so the API records it.
 */
export class RpcServerDuration {
  private readonly histogram: Histogram;

  constructor(meter: Meter) {
    this.histogram = meter.createHistogram(METRIC_RPC_SERVER_CALL_DURATION, {
      unit: "s",
      description: "Duration of RPCs the server answered.",
      advice: { explicitBucketBoundaries: [...RPC_SECONDS_BUCKETS] },
    });
  }

  /**
   * `method` is the full name of a method the server defines (`package.Service/Method`), never one a client
   * sent unrecognised; `status` is the name of the gRPC status code; `serverError` marks the codes that
   * blame the server.
   */
  record(method: string, status: string, serverError: boolean, seconds: number): void {
    this.histogram.record(seconds, {
      [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
      [ATTR_RPC_METHOD]: method,
      [ATTR_RPC_STATUS_CODE]: status,
      ...(serverError ? { [ATTR_ERROR_TYPE]: status } : {}),
    });
  }
}
