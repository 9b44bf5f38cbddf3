/** What each part of a bench run hands to the report. */

export type Engine = 'pglite' | 'postgres';

export interface RetainRun {
  engine: Engine;
  docs: number;
  submitMs: number;
  startedMs: number;
  temporalMs: number;
  /** One direct run before the service run and, up to 10,000 documents, one after: they bracket it. */
  directMs: number[];
  memories: { temporal: number; direct: number };
  /** CPU seconds; `direct` is the mean over the direct runs. */
  cpu: { service: number; devServer: number; direct: number };
  rss: { idle: number; submitPeak: number; runPeak: number; end: number };
  followUpsCancelled: number;
  /** PostgreSQL only: deadlocks the server reported in the service's database, and retried in the direct runs. */
  deadlocks: { service: number; direct: number } | undefined;
}

export type ReadKind = 'get' | 'list' | 'health';

export interface LoadResult {
  /** Latency of every answer, whatever its status: a slow 503 is as slow as a slow 200. */
  kinds: Record<ReadKind, number[]>;
  /** Answers other than 200 (health answers 503 when a probe misses its 2 s deadline), and failed requests. */
  notOk: Record<ReadKind, number>;
  /** From the first request to the last answer: a request started near the end of the window may run long. */
  windowMs: number;
  /** How many GET operation answers saw the batch in each status. */
  statusesSeen: Record<string, number>;
}

export interface CancelResult {
  /** Milliseconds from sending DELETE until the operation read `cancelled`. */
  samples: number[];
  /** Runs where the batch completed before the cancel took effect. */
  completedInstead: number;
}
