import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  proxyActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { MODEL_PROVIDER_DOWN, MODEL_REJECTED, type ModelSteps, modelTaskQueue } from './definitions.js';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 30,
};

/** Short bookkeeping calls: register, mark running, finish. */
export const bookkeeping = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

/**
 * Chunk work: heartbeats so a killed worker is noticed within seconds and cancellation reaches the activity;
 * the workflow waits for a cancelled chunk to stop before it writes the final state.
 */
export const chunkWork = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry,
});

/**
 * Model calls: one provider call per attempt. Retries never give up on their own; a provider that stays down
 * fails the step once `outageTimeoutMs` has passed (schedule-to-close), and a refused request at once. A 429's
 * Retry-After sets the next attempt's delay from the activity. Cancel abandons the call: the activity aborts
 * its request at the next heartbeat.
 */
export function modelCalls(models: ModelSteps) {
  return proxyActivities<Activities>({
    taskQueue: modelTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: models.callTimeoutMs + 30_000,
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: models.outageTimeoutMs,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: [MODEL_REJECTED],
    },
  });
}

/**
 * A model call of a fan-out failed: cancels the caller's scope, so the other calls are abandoned, and returns
 * the failure to throw. The caller keeps its own `await Promise.all(...)`: awaiting it through a helper would
 * resume the caller a tick later and could reorder the commands of chunks running beside it.
 */
export function abandonModelCalls(err: unknown, models: ModelSteps): unknown {
  CancellationScope.current().cancel();
  return describeModelFailure(err, models);
}

/** A step that timed out after retrying for the whole outage window says so, with the provider's last error. */
export function describeModelFailure(err: unknown, models: ModelSteps): unknown {
  // Out of time: the server stops retrying once the next attempt would end past schedule-to-close.
  if (!(err instanceof ActivityFailure)) return err;
  const timedOut = err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure;
  if (!timedOut) return err;
  const last = (err.cause instanceof TimeoutFailure ? err.cause.cause : err.cause)?.message;
  const minutes = Math.round(models.outageTimeoutMs / 60_000);
  return ApplicationFailure.nonRetryable(
    `the model provider kept failing for ${minutes} min (HINDSIGHT_MODEL_OUTAGE_TIMEOUT_MS)${last ? `; last error: ${last}` : ''}`,
    MODEL_PROVIDER_DOWN,
  );
}
