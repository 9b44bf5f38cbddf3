import { z } from 'zod';
import { OPERATION_TYPES } from '../operations/types.js';
import { WEBHOOK_EVENT_TYPES } from '../store/webhooks.js';
import { bankParams, idSchema, operationSchema, storable } from './schemas.js';

export const webhookParams = bankParams.extend({ webhook_id: idSchema });

const webhookUrl = storable(z.string().min(1).max(2048, 'must be at most 2048 characters'));
const webhookEvents = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'must name at least one event')
  .max(WEBHOOK_EVENT_TYPES.length * 2);
/** A shorter secret is guessable from signed deliveries; a generated one is far longer. */
export const WEBHOOK_SECRET_MIN_LENGTH = 16;
const webhookOperationTypes = z
  .array(z.enum(OPERATION_TYPES))
  .min(1, 'must name at least one operation type (omit it to hear about every type)')
  .max(OPERATION_TYPES.length * 2)
  .meta({
    description:
      'Only operations of these types are delivered, e.g. ["batch_retain"] to leave out the graph_update ' +
      'and regenerate_observations follow-ups every retain queues; omitted: every type',
  });
const webhookSecret = storable(
  z
    .string()
    .min(
      WEBHOOK_SECRET_MIN_LENGTH,
      `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (omit it to have one generated)`,
    )
    .max(256, 'must be at most 256 characters'),
);

export const createWebhookBody = z.strictObject({
  url: webhookUrl,
  events: webhookEvents,
  operation_types: webhookOperationTypes.optional(),
  secret: webhookSecret.optional(),
});

export const updateWebhookBody = z.strictObject({
  url: webhookUrl.nullish(),
  events: webhookEvents.nullish(),
  operation_types: webhookOperationTypes.nullish(),
  secret: webhookSecret.nullish(),
  enabled: z.boolean().nullish(),
});

export const webhookSchema = z.object({
  id: z.string(),
  bank_id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  operation_types: z
    .array(z.enum(OPERATION_TYPES))
    .nullable()
    .meta({ description: 'The operation types delivered; null: every type' }),
  enabled: z.boolean(),
  has_secret: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** Only the create response carries a secret, and only one the server generated. */
export const webhookCreatedSchema = webhookSchema.extend({ secret: z.string().optional() });

export const webhookListSchema = z.object({ bank_id: z.string(), webhooks: z.array(webhookSchema) });

export const deliverySchema = z.object({
  id: z.string(),
  event_id: z.string(),
  event_type: z.enum(WEBHOOK_EVENT_TYPES),
  operation_id: z.string(),
  attempts: z.number().int(),
  status: z.enum(['pending', 'delivered', 'failed']),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});

export const deliveryListSchema = z.object({
  webhook_id: z.string(),
  deliveries: z.array(deliverySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** The body of every webhook POST; `webhook-id` carries the same id. */
export const webhookEventSchema = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  created_at: z.string(),
  data: operationSchema,
});
