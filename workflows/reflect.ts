import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { bookkeeping } from './activities.js';
import {
  MODEL_REJECTED,
  MODEL_TIMEOUT,
  MODEL_UNAVAILABLE,
  modelTaskQueue,
  type ReflectInput,
  type ReflectOutcome,
} from './definitions.js';

/** A reflect's answer model call is retried this often (5xx, an answer that does not validate, a 429). */
const REFLECT_MODEL_ATTEMPTS = 3;

export const noMatchingMemories = (bankId: string) =>
  `The bank ${bankId} has no memories that match this question, so there is nothing to answer from. ` +
  'Retain memories about it first; recall (POST /memories/recall) shows what the bank holds.';

/**
 * Reflect: recall the bank's memories for the query, then one chat call grounded in them. A request waits for
 * the answer, so the model call gives up early: a few attempts, and no longer than the request waits
 * (`models.outageTimeoutMs`). It fails with the type of the provider's last failure, which the API maps to an
 * answer (refused or broken: 502; rate limit, quota or no answer in time: 503 with Retry-After).
 */
export async function reflectWorkflow(input: ReflectInput): Promise<ReflectOutcome> {
  const memories = await bookkeeping.recallForReflect({
    bankId: input.bankId,
    query: input.query,
    limit: input.limit,
  });
  // Nothing to ground an answer in: the model is not asked, so nothing can be made up.
  if (memories.length === 0) return { text: noMatchingMemories(input.bankId), memories: [], usage: null };
  const model = proxyActivities<Activities>({
    taskQueue: modelTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: input.models.callTimeoutMs + 30_000,
    heartbeatTimeout: '10 seconds',
    scheduleToCloseTimeout: input.models.outageTimeoutMs,
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '5 seconds',
      maximumAttempts: REFLECT_MODEL_ATTEMPTS,
      nonRetryableErrorTypes: [MODEL_REJECTED],
    },
  });
  try {
    return await model.answerReflect({ query: input.query, context: input.context, memories });
  } catch (err) {
    throw reflectFailure(err);
  }
}

/** The provider's last failure, by its type, as the workflow's own failure (the API reads its type). */
function reflectFailure(err: unknown): unknown {
  if (!(err instanceof ActivityFailure)) return err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return ApplicationFailure.nonRetryable(cause.message, cause.type ?? MODEL_UNAVAILABLE);
  }
  // A timeout: the provider did not answer within the time the request waits.
  return ApplicationFailure.nonRetryable(
    `the model provider did not answer in time${cause?.message ? `: ${cause.message}` : ''}`,
    MODEL_TIMEOUT,
  );
}
