import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { MODEL_QUOTA } from '../../workflows/definitions.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { Database } from '../store/db.js';
import { adjust, type BucketShape, ensureBucket, reserve } from '../store/model-budgets.js';

/** A wait this long is worth a line in the log (at most one a minute per bucket). */
const LONG_WAIT_MS = 10_000;
/** Time an attempt keeps for its reads and writes around the call, besides the call's own timeout. */
const ATTEMPT_MARGIN_MS = 10_000;

/**
 * The bucket for a quota per minute. A full bucket (one second's worth) plus a minute's refill is 61 seconds of
 * the rate; `marginSeconds` more are left out for what reaches the provider late or was underestimated, so no
 * 60 s window at the provider goes over the quota.
 */
function bucketShape(perMinute: number, marginSeconds: number): BucketShape {
  const perSecond = perMinute / (61 + marginSeconds);
  return { perMs: perSecond / 1000, capacity: perSecond };
}

/** An amount taken from a budget, moved once the call's real cost is known (negative: some given back). */
export interface Taken {
  readonly amount: number;
  adjust(by: number): Promise<void>;
}

/**
 * One of the deployment's model quotas, a bucket in the store shared by every worker process. A call takes
 * its amount before it goes; the attempt waits until the bucket has it (heartbeating: a cancel stops the wait
 * and gives the amount back), and a wait longer than the attempt can afford is handed back to Temporal as a
 * retry at the time the budget will have room.
 */
export class Budget {
  private readonly bucket: BucketShape;
  private readonly ensured = new Set<string>();
  private readonly loggedAt = new Map<string, number>();

  constructor(
    private readonly db: Database,
    /** The variable that sets the quota, for messages. */
    private readonly variable: string,
    perMinute: number,
    marginSeconds: number,
    private readonly callTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.bucket = bucketShape(perMinute, marginSeconds);
  }

  /** Takes `amount` from the bucket `name` and waits until it is there; must run inside an activity. */
  async take(name: string, model: string, amount: number): Promise<Taken> {
    const ctx = Context.current();
    // The provider call keeps its whole timeout: only what the attempt has left beyond it is spent waiting.
    const maxWaitMs = Math.max(0, ctx.info.startToCloseTimeoutMs - this.callTimeoutMs - ATTEMPT_MARGIN_MS);
    if (!this.ensured.has(name)) {
      await ensureBucket(this.db, name);
      this.ensured.add(name);
    }
    const { reserved, startInMs } = await reserve(this.db, name, amount, this.bucket, maxWaitMs);
    if (startInMs >= LONG_WAIT_MS) this.logLongWait(name, model, startInMs);
    if (!reserved) {
      const retryInMs = Math.max(1000, Math.ceil(startInMs - maxWaitMs / 2));
      metrics.modelQuotaWait.inc({ model, quota: this.variable }, retryInMs / 1000);
      throw ApplicationFailure.create({
        type: MODEL_QUOTA,
        message: `waiting ${Math.ceil(startInMs / 1000)} s for the model quota (${this.variable})`,
        nextRetryDelay: retryInMs,
        // An expected wait, not a fault: logged at debug level and left out of failure metrics.
        category: ApplicationFailureCategory.BENIGN,
      });
    }
    const taken: Taken = {
      amount: reserved,
      adjust: (by) =>
        adjust(this.db, name, by, this.bucket).catch((err) =>
          this.logger.warn({ err, name }, 'could not settle a model call with its quota'),
        ),
    };
    if (startInMs > 0) {
      const waitStarted = Date.now();
      try {
        await ctx.sleep(startInMs);
      } catch (err) {
        // Cancelled while waiting: nothing was sent, so the amount goes back (as far as later calls allow).
        await taken.adjust(-reserved);
        throw err;
      } finally {
        metrics.modelQuotaWait.inc({ model, quota: this.variable }, (Date.now() - waitStarted) / 1000);
      }
    }
    return taken;
  }

  private logLongWait(name: string, model: string, waitMs: number): void {
    const now = Date.now();
    if (now - (this.loggedAt.get(name) ?? 0) < 60_000) return;
    this.loggedAt.set(name, now);
    this.logger.warn(
      { model, waitSeconds: Math.round(waitMs / 1000) },
      `model calls are waiting for the model quota (${this.variable})`,
    );
  }
}
