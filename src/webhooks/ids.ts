import { createHash, randomBytes } from 'node:crypto';
import { isTerminal, type OperationStatus } from '../../workflows/definitions.js';
import type { WebhookEventType } from '../store/webhooks.js';

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** The event an operation's ending raises, if any. */
export function eventTypeOf(status: OperationStatus): WebhookEventType | undefined {
  return isTerminal(status) ? `operation.${status}` : undefined;
}

/** Same operation and event type => same event id, however often the ending is reported. */
export const webhookEventId = (operationId: string, type: WebhookEventType) =>
  `evt-${digest(`${operationId}\u0000${type}`)}`;

export const deliveryId = (webhookId: string, eventId: string) =>
  `dlv-${digest(`${webhookId}\u0000${eventId}`)}`;

export const deliveryWorkflowId = (webhookId: string, eventId: string) => `webhook/${webhookId}/${eventId}`;

export const newWebhookId = () => `wh-${randomBytes(10).toString('hex')}`;

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;
