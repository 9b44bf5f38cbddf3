import type { Connection } from '@temporalio/client';
import type { HealthReport } from './api/deps.js';
import { type Database, ping } from './store/db.js';
import type { TrackedCalls } from './temporal/tracked-calls.js';

const PROBE_TIMEOUT_MS = 2_000;
/**
 * How old an answer from Temporal's server or the database /health may pass on: many pollers, one probe of
 * each a second, so a busy /health never queues behind the batch's own store work once per call.
 */
const PROBE_ANSWER_TTL_MS = 1_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One probe shared by every caller while it runs and for `ttlMs` after it settles. */
function sharedProbe(probe: () => Promise<unknown>, ttlMs: number): () => Promise<unknown> {
  let last: { promise: Promise<unknown>; settledAt: number | undefined } | undefined;
  return () => {
    const fresh = last && (last.settledAt === undefined || Date.now() - last.settledAt < ttlMs);
    if (!fresh) {
      const entry = { promise: probe(), settledAt: undefined as number | undefined };
      const settle = () => {
        entry.settledAt = Date.now();
      };
      entry.promise.then(settle, settle);
      last = entry;
    }
    return last!.promise;
  };
}

export interface HealthParts {
  db: Database;
  connection: Connection;
  calls: TrackedCalls;
  /** In the all-in-one process the API is only as healthy as the worker that runs what it accepts. */
  worker: { getState(): string } | undefined;
}

/** `/health`: the store answers, Temporal's server answers, and the worker (when this process runs it) runs. */
export function createHealthCheck({
  db,
  connection,
  calls,
  worker,
}: HealthParts): () => Promise<HealthReport> {
  const temporal = sharedProbe(
    () => calls.run(() => connection.workflowService.getSystemInfo({}), PROBE_TIMEOUT_MS),
    PROBE_ANSWER_TTL_MS,
  );
  const database = sharedProbe(() => ping(db), PROBE_ANSWER_TTL_MS);
  return async () => {
    const parts: HealthReport['parts'] = {};
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(probe(), PROBE_TIMEOUT_MS, name);
        parts[name] = { status: 'ok' };
      } catch (error) {
        parts[name] = { status: 'unavailable', error: (error as Error).message };
      }
    };
    await Promise.all([
      check('database', database),
      check('temporal', temporal),
      ...(worker
        ? [
            check('worker', async () => {
              const state = worker.getState();
              if (state !== 'RUNNING') throw new Error(`the worker is ${state.toLowerCase()}`);
            }),
          ]
        : []),
    ]);
    const ok = Object.values(parts).every((p) => p.status === 'ok');
    return { status: ok ? 'ok' : 'unavailable', parts };
  };
}
