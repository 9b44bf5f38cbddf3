import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { metrics } from '../src/metrics.js';
import type { Database } from '../src/store/db.js';
import { loadDelivery, markDeliveryFailed, recordAttempt } from '../src/store/webhooks.js';
import { sendSigned } from '../src/webhooks/send.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** The body's `event`; events stored before it was written carry only `type`. */
function eventNameOf(payload: string): string {
  const body = JSON.parse(payload) as { event?: string; type: string };
  return body.event ?? body.type;
}
const MAX_RETRY_INTERVAL_MS = 3_600_000;

export interface DeliverWebhookInput {
  webhookId: string;
  eventId: string;
  /** The workflow's first retry delay, to tell the log when the next attempt is due. */
  retryInitialIntervalMs: number;
}

/**
 * One delivery attempt. The outcome is written to the delivery log before the activity answers, so the log
 * shows every attempt; a failure throws so Temporal schedules the next one with backoff.
 */
export function createWebhookActivities(deps: { db: Database; config: Config; logger: Logger }) {
  const { db, config, logger } = deps;
  return {
    deliverWebhook: async (
      input: DeliverWebhookInput,
    ): Promise<{ status: 'delivered' | 'failed' | 'skipped' }> => {
      const delivery = await loadDelivery(db, input.webhookId, input.eventId);
      if (!delivery) return { status: 'skipped' }; // the webhook was deleted
      if (delivery.status !== 'pending')
        return { status: delivery.status === 'delivered' ? 'delivered' : 'failed' };
      if (!delivery.enabled) {
        await markDeliveryFailed(db, input.webhookId, input.eventId, 'webhook disabled before delivery');
        return { status: 'skipped' };
      }
      const { http_config: http } = delivery;
      const outcome = await sendSigned({
        url: delivery.url,
        eventId: delivery.event_id,
        deliveryId: delivery.delivery_id,
        event: eventNameOf(delivery.payload),
        body: delivery.payload,
        secret: delivery.secret,
        headers: http.headers,
        params: http.params,
        networks: config.webhookNetworks,
        timeoutMs: http.timeout_seconds ? http.timeout_seconds * 1000 : REQUEST_TIMEOUT_MS,
      });
      metrics.webhookDeliveries.inc({ outcome: outcome.ok ? 'delivered' : 'failed' });
      if (outcome.ok) {
        await recordAttempt(db, delivery.delivery_id, {
          statusCode: outcome.statusCode,
          error: null,
          delivered: true,
          nextAttemptAt: null,
        });
        return { status: 'delivered' };
      }
      const { attempt } = Context.current().info;
      const delay = Math.min(input.retryInitialIntervalMs * 2 ** (attempt - 1), MAX_RETRY_INTERVAL_MS);
      await recordAttempt(db, delivery.delivery_id, {
        statusCode: outcome.statusCode,
        error: outcome.error,
        delivered: false,
        nextAttemptAt: outcome.refused ? null : new Date(Date.now() + delay),
        final: outcome.refused,
      });
      const reason = outcome.error ?? 'delivery failed';
      logger.warn(
        {
          webhookId: input.webhookId,
          deliveryId: delivery.delivery_id,
          eventId: input.eventId,
          attempt,
          statusCode: outcome.statusCode,
          reason,
          retryInMs: outcome.refused ? null : delay,
        },
        `webhook ${input.webhookId} delivery attempt ${attempt} failed: ${reason}`,
      );
      // Benign: the line above is the whole story of a receiver that is down. Otherwise the SDK logs each
      // attempt as a multi-line warning with the stack and the task token, hundreds of times an hour.
      throw ApplicationFailure.create({
        message: reason,
        type: outcome.refused ? 'WebhookAddressRefused' : 'WebhookDeliveryFailed',
        nonRetryable: outcome.refused,
        category: ApplicationFailureCategory.BENIGN,
      });
    },
    markWebhookDeliveryFailed: (input: { webhookId: string; eventId: string; error: string }) =>
      markDeliveryFailed(db, input.webhookId, input.eventId, input.error),
  };
}
