import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  INVALID_MODEL_ANSWER,
  MODEL_REJECTED,
  MODEL_UNAVAILABLE,
  type ReflectOutcome,
  reflectWorkflowId,
  WORKFLOW_TYPES,
} from '../../workflows/definitions.js';
import type { Config } from '../config.js';
import { providerFailed, unavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { BANK_ID } from '../temporal/search-attributes.js';
import type { TrackedCalls } from '../temporal/tracked-calls.js';

/** Memories recalled for the model, by the request's `budget` (default `mid`). */
export const REFLECT_MEMORIES = { low: 10, mid: 20, high: 40 } as const;
/** Retry-After of a reflect that could not be answered now (rate limit, quota, no answer in time). */
export const REFLECT_RETRY_AFTER_SECONDS = 30;

/** Failure types that mean the provider refused or broke the call: a retry of the same request will not help soon. */
const PROVIDER_FAILED = new Set<string>([MODEL_REJECTED, MODEL_UNAVAILABLE, INVALID_MODEL_ANSWER]);

export interface ReflectRequest {
  bankId: string;
  query: string;
  context?: string | null;
  budget?: keyof typeof REFLECT_MEMORIES | null;
}

/**
 * Runs a reflect as a short workflow (recall, then one quota-shared model call on the model task queue) and
 * waits for its answer up to HINDSIGHT_REFLECT_WAIT_MS. Past the wait the workflow is cancelled and the caller
 * gets 503 with Retry-After; a provider that refused or broke the call gives 502 with its message; a rate
 * limit or the deployment's quota, 503 with Retry-After.
 */
export async function runReflect(
  deps: { client: Client; calls: TrackedCalls; config: Config; logger: Logger },
  request: ReflectRequest,
): Promise<ReflectOutcome> {
  const { models, temporal } = deps.config;
  const waitMs = models.reflectWaitMs;
  const handle = await deps.calls.run(() =>
    deps.client.workflow.start(WORKFLOW_TYPES.reflect, {
      workflowId: reflectWorkflowId(request.bankId, randomUUID()),
      taskQueue: temporal.taskQueue,
      typedSearchAttributes: [{ key: BANK_ID, value: request.bankId }],
      staticSummary: `Reflect on bank ${request.bankId}`,
      // Nobody reads the answer once the request has given up, so the run never outlives the wait by much.
      workflowExecutionTimeout: waitMs + 30_000,
      args: [
        {
          bankId: request.bankId,
          query: request.query,
          context: request.context ?? null,
          limit: REFLECT_MEMORIES[request.budget ?? 'mid'],
          models: {
            chat: true,
            embeddings: models.embeddings !== null,
            callTimeoutMs: Math.min(models.callTimeoutMs, waitMs),
            outageTimeoutMs: waitMs,
          },
        },
      ],
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), waitMs);
  });
  try {
    const outcome = await Promise.race([handle.result() as Promise<ReflectOutcome>, timedOut]);
    if (outcome !== 'timeout') return outcome;
  } catch (err) {
    throw answerFor(err);
  } finally {
    clearTimeout(timer);
  }
  handle.cancel().catch((err) => deps.logger.warn({ err }, 'could not cancel a reflect past its wait'));
  throw unavailable(
    `reflect had no answer within ${waitMs} ms (HINDSIGHT_REFLECT_WAIT_MS): the model provider is slow or ` +
      'its quota is spent; retry later',
    REFLECT_RETRY_AFTER_SECONDS,
  );
}

/** The workflow's failure as the API's answer: the provider's own message, with the status that fits. */
function answerFor(err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const cause = err.cause;
  const type = cause instanceof ApplicationFailure ? cause.type : undefined;
  const message = cause?.message ?? err.message;
  if (type && PROVIDER_FAILED.has(type)) return providerFailed(`reflect failed: ${message}`);
  return unavailable(
    `reflect could not get an answer now: ${message}; retry later`,
    REFLECT_RETRY_AFTER_SECONDS,
  );
}
