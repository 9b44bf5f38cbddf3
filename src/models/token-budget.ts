import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { Database } from '../store/db.js';
import { adjustTokens, type BucketShape, ensureBucket, reserveTokens } from '../store/token-budget.js';
import type { Usage } from './provider.js';

/** About four characters a token: the usual rule for English text (and how the test provider counts). */
export const estimateTokens = (texts: string[]) => texts.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);

/**
 * The bucket for a quota of tokens a minute. A full bucket (one second's worth) plus a minute's refill is 61
 * seconds of the rate; two more seconds are left out for estimates that fall short until the call settles and
 * for timers that fire late, so no 60 s window goes over the quota.
 */
export function bucketShape(tokensPerMinute: number): BucketShape {
  const perSecond = tokensPerMinute / 63;
  return { perMs: perSecond / 1000, capacity: perSecond };
}

/** A wait this long is worth a line in the log (at most one a minute per model). */
const LONG_WAIT_MS = 10_000;
/** Time an attempt keeps for its reads and writes around the call, besides the call's own timeout. */
const ATTEMPT_MARGIN_MS = 10_000;

/** One provider call: its model, the texts it sends, and the kind of answer it gets (null: none, embeddings). */
export interface TokenRequest {
  model: string;
  prompt: string[];
  answer: string | null;
}

/**
 * Tokens reserved for one call, settled once it is known what the call cost: the provider's count, nothing (it
 * refused the call), or unknown (a timeout, a broken connection: the estimate stands).
 */
export interface Reservation {
  settle(spent: Usage | 'nothing' | 'unknown'): Promise<void>;
}

/**
 * The deployment's tokens per minute (HINDSIGHT_MODEL_TOKENS_PER_MINUTE), one bucket per model in the store,
 * shared by every worker process. Before a call its estimated tokens are reserved; the attempt waits until the
 * bucket has them (heartbeating: a cancel stops the wait), and a wait longer than the attempt can afford is
 * handed back to Temporal as a retry at the time the budget will have room. After the call the bucket is
 * moved by what the estimate missed, so it tracks what the provider counted.
 */
export class TokenBudget {
  private readonly bucket: BucketShape;
  private readonly ensured = new Set<string>();
  /** Answer tokens per prompt token, by model and kind of answer, learned from the provider's counts. */
  private readonly answerRatios = new Map<string, number>();
  private readonly loggedAt = new Map<string, number>();

  constructor(
    private readonly db: Database,
    tokensPerMinute: number,
    private readonly callTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.bucket = bucketShape(tokensPerMinute);
  }

  /** Reserves the call's tokens and waits until they are there; must run inside a heartbeating activity. */
  async reserve(request: TokenRequest): Promise<Reservation> {
    const ctx = Context.current();
    const { model } = request;
    const promptTokens = estimateTokens(request.prompt);
    const answerKey = request.answer === null ? null : `${model}\n${request.answer}`;
    // A kind of answer not seen yet is guessed at half its prompt; what the provider counts corrects it.
    const ratio = answerKey === null ? 0 : (this.answerRatios.get(answerKey) ?? 0.5);
    const estimate = Math.max(1, promptTokens + Math.ceil(promptTokens * ratio));
    // The provider call keeps its whole timeout: only what the attempt has left beyond it is spent waiting.
    const maxWaitMs = Math.max(0, ctx.info.startToCloseTimeoutMs - this.callTimeoutMs - ATTEMPT_MARGIN_MS);

    if (!this.ensured.has(model)) {
      await ensureBucket(this.db, model);
      this.ensured.add(model);
    }
    const { reserved, startInMs } = await reserveTokens(this.db, model, estimate, this.bucket, maxWaitMs);
    if (startInMs >= LONG_WAIT_MS) this.logLongWait(model, startInMs);
    if (!reserved) {
      const retryInMs = Math.max(1000, Math.ceil(startInMs - maxWaitMs / 2));
      metrics.modelTokenWait.inc({ model }, retryInMs / 1000);
      throw ApplicationFailure.create({
        type: 'ModelTokenBudget',
        message: `waiting ${Math.ceil(startInMs / 1000)} s for the token budget (HINDSIGHT_MODEL_TOKENS_PER_MINUTE)`,
        nextRetryDelay: retryInMs,
        // An expected wait, not a fault: logged at debug level and left out of failure metrics.
        category: ApplicationFailureCategory.BENIGN,
      });
    }
    const settle = (tokens: number) =>
      adjustTokens(this.db, model, tokens, this.bucket).catch((err) =>
        this.logger.warn({ err, model }, 'could not settle a model call with the token budget'),
      );
    if (startInMs > 0) {
      const waitStarted = Date.now();
      try {
        await ctx.sleep(startInMs);
      } catch (err) {
        // Cancelled while waiting: nothing was sent, so the tokens go back (as far as later reservations allow).
        await settle(-reserved);
        throw err;
      } finally {
        metrics.modelTokenWait.inc({ model }, (Date.now() - waitStarted) / 1000);
      }
    }
    return {
      settle: async (spent) => {
        if (spent === 'nothing') return settle(-reserved);
        // A provider that reports no usage leaves the estimate standing too.
        if (spent === 'unknown' || spent.promptTokens + spent.completionTokens === 0) return;
        if (answerKey !== null && promptTokens > 0) {
          this.learnAnswerRatio(answerKey, spent.completionTokens / promptTokens);
        }
        await settle(spent.promptTokens + spent.completionTokens - estimate);
      },
    };
  }

  private learnAnswerRatio(key: string, seen: number): void {
    const known = this.answerRatios.get(key);
    this.answerRatios.set(key, known === undefined ? seen : 0.8 * known + 0.2 * seen);
  }

  private logLongWait(model: string, waitMs: number): void {
    const now = Date.now();
    if (now - (this.loggedAt.get(model) ?? 0) < 60_000) return;
    this.loggedAt.set(model, now);
    this.logger.warn(
      { model, waitSeconds: Math.round(waitMs / 1000) },
      'model calls are waiting for the token budget (HINDSIGHT_MODEL_TOKENS_PER_MINUTE)',
    );
  }
}
