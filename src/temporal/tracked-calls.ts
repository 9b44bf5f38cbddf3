import type { Connection } from '@temporalio/client';

/**
 * Temporal calls made outside the worker: each gets a deadline and is tracked until it settles. With the
 * server away the SDK would otherwise retry for half a minute, a caller deserves a prompt answer, and a retry
 * that fires after the connection closed throws from a timer where nothing can catch it.
 */
export class TrackedCalls {
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly connection: Connection,
    private readonly deadlineMs = 3_000,
  ) {}

  run<T>(call: () => Promise<T>, deadlineMs = this.deadlineMs): Promise<T> {
    // Once draining, a new call would outlive the connection: it fails here instead, before touching it.
    if (this.closing) return Promise.reject(new Error('the Temporal connection is closing'));
    const pending = this.connection.withDeadline(Date.now() + deadlineMs, call);
    const settled = pending.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return pending;
  }

  /** Refuses new calls and resolves once every call under way has settled, so the connection can close. */
  async drain(): Promise<void> {
    this.closing = true;
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
