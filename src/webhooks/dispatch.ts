import type { Client } from '@temporalio/client';
import { type WebhookDeliveryInput, WORKFLOW_TYPES } from '../../workflows/definitions.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { OperationView } from '../operations/types.js';
import type { Database } from '../store/db.js';
import { insertDelivery, insertEvent, listSubscribedWebhooks } from '../store/webhooks.js';
import { BANK_ID } from '../temporal/search-attributes.js';
import type { TrackedCalls } from '../temporal/tracked-calls.js';
import { deliveryId, deliveryWorkflowId, eventTypeOf, webhookEventId } from './ids.js';
import { hindsightEventOf } from './upstream-events.js';

export interface DispatcherDeps {
  db: Database;
  client: Client;
  calls: TrackedCalls;
  config: Config;
  logger: Logger;
}

/**
 * Turns an ended operation into webhook events: the event and one delivery row per subscribed webhook are
 * written once (ids derive from the operation), then one delivery workflow per webhook is started. Calling it
 * again for the same operation (an activity retry) adds nothing and starts nothing twice.
 */
export function createWebhookDispatcher(deps: DispatcherDeps) {
  const { db, client, calls, config, logger } = deps;
  /** `key` is the operation's key in the store: event ids derive from it, so no two banks' events share one. */
  return async function dispatchOperationEnded(operation: OperationView, key: string): Promise<void> {
    const type = eventTypeOf(operation.status);
    if (!type) return;
    const webhooks = await listSubscribedWebhooks(db, operation.bank_id, type, operation.type);
    if (webhooks.length === 0) return;
    const eventId = webhookEventId(key, type);
    const createdAt = new Date().toISOString();
    // Ours first; then the fields a receiver written for Hindsight reads, beside them.
    const payload = JSON.stringify({
      id: eventId,
      type,
      created_at: createdAt,
      data: operation,
      event: hindsightEventOf(type, operation.type),
      bank_id: operation.bank_id,
      operation_id: operation.operation_id,
      status: operation.status,
      timestamp: createdAt,
    });
    await db.transaction(async (tx) => {
      await insertEvent(tx, {
        id: eventId,
        bankId: operation.bank_id,
        type,
        operationId: operation.operation_id,
        payload,
      });
      for (const webhook of webhooks) {
        await insertDelivery(tx, { id: deliveryId(webhook.id, eventId), webhookId: webhook.id, eventId });
      }
    });
    await Promise.all(
      webhooks.map(async (webhook) => {
        try {
          await calls.run(() =>
            client.workflow.start(WORKFLOW_TYPES.webhookDelivery, {
              workflowId: deliveryWorkflowId(webhook.id, eventId),
              taskQueue: config.temporal.taskQueue,
              workflowIdConflictPolicy: 'USE_EXISTING',
              // A delivery that already ended is never repeated by a second dispatch of the same event.
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              args: [
                {
                  webhookId: webhook.id,
                  eventId,
                  bankId: operation.bank_id,
                  retryInitialIntervalMs: config.webhookRetryInitialMs,
                } satisfies WebhookDeliveryInput,
              ],
              typedSearchAttributes: [{ key: BANK_ID, value: operation.bank_id }],
              memo: { webhookId: webhook.id, eventId, eventType: type, operationId: operation.operation_id },
            }),
          );
        } catch (error) {
          if ((error as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
          throw error;
        }
      }),
    );
    logger.debug(
      { eventId, type, operationId: operation.operation_id, webhooks: webhooks.length },
      'webhooks dispatched',
    );
  };
}
