/**
 * The prediction ids this replica has accepted a label for, so a label sent twice counts once. Memory is
 * bounded by two generations of at most capacity/2 keys each: when the current one fills, the older is
 * dropped. So the last capacity/2 accepted ids are always remembered, and at most `capacity` are; a repeat
 * of an id older than that counts again, as does a repeat sent to another replica (no state is shared).
 */
export class SeenLabels {
  private current = new Set<string>();
  private previous = new Set<string>();
  private readonly generation: number;

  constructor(capacity: number) {
    this.generation = Math.max(1, Math.floor(capacity / 2));
  }

  /** True the first time a key is offered, false for a repeat still remembered. */
  firstTime(key: string): boolean {
    if (this.current.has(key) || this.previous.has(key)) return false;
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(key);
    return true;
  }
}
