import { ApplicationFailure, Context } from '@temporalio/activity';
import { MODEL_RATE_LIMITED, MODEL_REJECTED, MODEL_UNAVAILABLE } from '../../workflows/definitions.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { Budget } from './budget.js';
import {
  InvalidAnswer,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  type Usage,
} from './provider.js';
import type { TokenBudget, TokenRequest } from './token-budget.js';

export function countCall(model: string, outcome: string, usage?: Usage): void {
  metrics.modelCalls.inc({ model, outcome });
  if (usage?.promptTokens) metrics.modelTokens.inc({ model, kind: 'prompt' }, usage.promptTokens);
  if (usage?.completionTokens) metrics.modelTokens.inc({ model, kind: 'completion' }, usage.completionTokens);
}

export interface CallDeps {
  logger: Logger;
  /** The deployment's requests per minute; undefined: no limit. */
  requests: Budget | undefined;
  /** The deployment's tokens per minute; undefined: no limit. */
  tokens: TokenBudget | undefined;
}

/** What the call cost at the provider, as far as the token budget can tell from how it ended. */
function spentBy(err: unknown): Usage | 'nothing' | 'unknown' {
  if (err instanceof InvalidAnswer) return err.usage;
  if (err instanceof ProviderRateLimited || err instanceof ProviderRejected) return 'nothing';
  return 'unknown';
}

/**
 * Runs one provider call inside an activity attempt: first waits for the call's tokens and its request when
 * the deployment has those quotas, then calls. It heartbeats all the while (so a cancel arrives, stops the
 * wait or aborts the request at once), and turns provider failures into Temporal failures the retry policy
 * acts on: a 429 retries after the provider's Retry-After, 5xx and timeouts back off, a refused request fails
 * for good. InvalidAnswer passes through: the caller stores what it cost and decides.
 */
export async function providerCall<T extends { usage: Usage }>(
  deps: CallDeps,
  request: TokenRequest,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { model } = request;
  const { logger } = deps;
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 300);
  try {
    const reservation = await deps.tokens?.reserve(request);
    try {
      await deps.requests?.take('requests', model, 1);
    } catch (err) {
      await reservation?.settle('nothing');
      throw err;
    }
    let result: T;
    try {
      result = await call(ctx.cancellationSignal);
    } catch (err) {
      await reservation?.settle(spentBy(err));
      throw err;
    }
    await reservation?.settle(result.usage);
    return result;
  } catch (err) {
    if (err instanceof InvalidAnswer) throw err;
    const attempt = ctx.info.attempt;
    if (err instanceof ProviderRateLimited) {
      countCall(model, 'rate_limited');
      logger.warn({ model, attempt, retryAfterMs: err.retryAfterMs }, err.message);
      throw ApplicationFailure.create({
        type: MODEL_RATE_LIMITED,
        message: err.message,
        ...(err.retryAfterMs !== undefined
          ? { nextRetryDelay: Math.max(1, Math.ceil(err.retryAfterMs)) }
          : {}),
      });
    }
    if (err instanceof ProviderUnavailable) {
      countCall(model, 'unavailable');
      logger.warn({ model, attempt }, err.message);
      throw ApplicationFailure.retryable(err.message, MODEL_UNAVAILABLE);
    }
    if (err instanceof ProviderRejected) {
      countCall(model, 'rejected');
      logger.error({ model }, err.message);
      throw ApplicationFailure.nonRetryable(err.message, MODEL_REJECTED);
    }
    throw err;
  } finally {
    clearInterval(beat);
  }
}
