import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

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
