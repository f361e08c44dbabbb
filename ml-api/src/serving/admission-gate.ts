/**
 * Admission control for inference. ONNX Runtime runs each model on the event loop, so past saturation
 * requests only wait for one another: every one admitted beyond capacity adds its service time to the
 * latency of all behind it. Counting requests from their arrival to their response, and refusing the ones
 * beyond a fixed number at once, keeps the wait of accepted requests at most `limit` service times,
 * whatever the offered load. One gate is shared by every inference route of both protocols, REST and gRPC.
 */
export class AdmissionGate {
  private current = 0;

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.current;
  }

  /** Takes a place for one request, or answers false when all are taken; each place taken is left once. */
  enter(): boolean {
    if (this.current >= this.limit) return false;
    this.current++;
    return true;
  }

  leave(): void {
    this.current--;
  }
}
