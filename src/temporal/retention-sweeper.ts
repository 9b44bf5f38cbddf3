import type { RetentionConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Database } from '../store/db.js';
import { sweepExpiredOperations } from '../store/retention.js';

export interface RetentionSweeper {
  /** Stops the timer and waits for a sweep in progress, which stops at its next round. */
  stop(): Promise<void>;
}

/**
 * The worker side removes expired operations on a timer (a plain timer, not a workflow: the work is a few
 * bounded statements, and every worker may run it, since each statement deletes only what is still there).
 * One sweep at a time; the first runs one interval after start, so start-up is not slowed by a backlog.
 */
export function startRetentionSweeper(
  db: Database,
  config: RetentionConfig,
  logger: Logger,
): RetentionSweeper {
  const retentionMs = config.operationRetentionMs;
  if (retentionMs === null) {
    logger.info('operation retention is off: ended operations are kept');
    return { stop: async () => undefined };
  }
  const abort = new AbortController();
  let sweeping: Promise<void> | undefined;
  const timer = setInterval(() => {
    sweeping ??= sweepExpiredOperations(db, retentionMs, abort.signal)
      .then((counts) => {
        if (counts.operations > 0 || counts.tombstones > 0) logger.info(counts, 'expired operations removed');
      })
      .catch((err) => logger.warn({ err }, 'retention sweep failed; the next one tries again'))
      .finally(() => {
        sweeping = undefined;
      });
  }, config.cleanupIntervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      abort.abort();
      await sweeping;
    },
  };
}
