/** What each part of a bench run hands to the report. */

/** `embedded`: the service's own PostgreSQL server (the default); `postgres`: a system server, DATABASE_URL. */
export type Engine = 'embedded' | 'postgres';

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
  /** Proportional memory of the embedded PostgreSQL server's processes (NaN for a system server). */
  storeMb: { idle: number; runPeak: number };
  followUpsCancelled: number;
  /** Deadlocks the server reported in the service's database, and retried in the direct runs. */
  deadlocks: { service: number; direct: number } | undefined;
}

export type ReadKind = 'get' | 'list' | 'health';

export interface PollerRun {
  clients: number;
  docs: number;
  /** From created_at to completed_at of the batch, as the store wrote them. */
  ms: number;
  status: string;
  /** Latency of every answer, whatever its status: a slow 503 is as slow as a slow 200. */
  latencies: Record<ReadKind, number[]>;
  /** Answers other than 200, and failed requests. */
  notOk: Record<ReadKind, number>;
}

export interface SubmitBurst {
  submits: number;
  docsEach: number;
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
}

export interface LargeBankRun {
  docs: number;
  memories: number;
  followUps: { type: string; status: string; ms: number; progress: number; total: number }[];
  workflowTasks: number;
  maxWorkflowTaskMs: number;
  /** TMPRL1104 lines ("workflow task duration exceeded") the worker logged meanwhile. */
  slowTaskWarnings: number;
  restartToHealthyMs: number;
}

export interface EngineResults {
  engine: Engine;
  runs: RetainRun[];
  pollers: PollerRun[];
  burst: SubmitBurst | undefined;
  large: LargeBankRun | undefined;
}

export interface CancelResult {
  /** Milliseconds from sending DELETE until the operation read `cancelled`. */
  samples: number[];
  /** Runs where the batch completed before the cancel took effect. */
  completedInstead: number;
}
