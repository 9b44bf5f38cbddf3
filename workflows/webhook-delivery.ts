import { CancellationScope, isCancellation, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { WebhookDeliveryInput, WebhookDeliveryOutcome } from './definitions.js';

const DEFAULT_RETRY_INITIAL_MS = 1_000;

/**
 * Delivers one event to one webhook, at least once. Temporal's retry policy is the backoff: a receiver that
 * is down for hours still gets the event when it comes back, and a worker restart loses nothing. The event
 * id and body come from the store, so every attempt sends the same event.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryOutcome> {
  const initialInterval = input.retryInitialIntervalMs ?? DEFAULT_RETRY_INITIAL_MS;
  const { deliverWebhook } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval, backoffCoefficient: 2, maximumInterval: '1 hour' },
  });
  const { markWebhookDeliveryFailed } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 20,
    },
  });
  try {
    return await deliverWebhook({
      webhookId: input.webhookId,
      eventId: input.eventId,
      retryInitialIntervalMs: initialInterval,
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const reason = isCancellation(error)
      ? 'delivery cancelled from Temporal'
      : cause instanceof TimeoutFailure || !(cause instanceof Error)
        ? 'gave up: no successful attempt within 24 hours'
        : `gave up: ${cause.message}`;
    await CancellationScope.nonCancellable(() =>
      markWebhookDeliveryFailed({ webhookId: input.webhookId, eventId: input.eventId, error: reason }),
    );
    if (isCancellation(error)) throw error;
    return { status: 'failed' };
  }
}
