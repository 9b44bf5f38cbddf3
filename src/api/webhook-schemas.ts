import { z } from 'zod';
import { TERMINAL_STATUSES } from '../../workflows/definitions.js';
import { OPERATION_TYPES } from '../operations/types.js';
import { WEBHOOK_EVENT_TYPES } from '../store/webhooks.js';
import { HINDSIGHT_EVENT_NAMES } from '../webhooks/upstream-events.js';
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

/** Hindsight's name for the list, where its own event names are accepted too (see upstream-events.ts). */
const webhookEventTypes = z
  .array(z.string().max(64, 'must be event names of at most 64 characters'))
  .min(1, 'must name at least one event')
  .max(16)
  .meta({
    description:
      `Hindsight's field: its event names (${HINDSIGHT_EVENT_NAMES.join(', ')}: every ending of that type of ` +
      'operation) or the operation.* names of `events`, not both kinds',
  });

export const MAX_WEBHOOK_HEADERS = 20;
export const MAX_WEBHOOK_TIMEOUT_SECONDS = 30;
/** Headers a delivery sets itself: a custom one must not replace them. */
const RESERVED_HEADER =
  /^(content-type|content-length|host|user-agent|transfer-encoding|connection|webhook-.*|x-hindsight-.*|x-hub-signature-256)$/i;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const headerValue = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks or NUL characters');
const paramValue = storable(z.string().max(256, 'must be at most 256 characters'));

/** A small string map whose keys are checked here, so each refusal names the key and what is wrong with it. */
const smallMap = (value: z.ZodType<string>, noun: string, keyProblem: (key: string) => string | undefined) =>
  z.record(z.string(), value).superRefine((map, ctx) => {
    const keys = Object.keys(map);
    if (keys.length > MAX_WEBHOOK_HEADERS)
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_WEBHOOK_HEADERS} ${noun}` });
    for (const key of keys) {
      const problem = keyProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  });

/** Hindsight's per-webhook HTTP settings; deliveries are POSTs of the signed event, so only POST is taken. */
export const webhookHttpConfig = z.strictObject({
  method: z.literal('POST', 'must be POST: a delivery sends the signed event as its body').optional(),
  timeout_seconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(MAX_WEBHOOK_TIMEOUT_SECONDS, `must be at most ${MAX_WEBHOOK_TIMEOUT_SECONDS}`)
    .optional(),
  headers: smallMap(headerValue, 'headers', (name) =>
    !HEADER_NAME.test(name)
      ? 'must be an HTTP header name of 1 to 64 characters'
      : RESERVED_HEADER.test(name)
        ? 'is set by every delivery and cannot be replaced'
        : undefined,
  ).optional(),
  params: smallMap(paramValue, 'parameters', (name) =>
    name.length === 0 || name.length > 64 || name.includes('\u0000')
      ? 'must be a parameter name of 1 to 64 characters'
      : undefined,
  ).optional(),
});
export type WebhookHttpConfig = z.infer<typeof webhookHttpConfig>;

const oneEventList = (body: { events?: unknown; event_types?: unknown }, ctx: z.RefinementCtx) => {
  if (body.events != null && body.event_types != null)
    ctx.addIssue({
      code: 'custom',
      path: ['event_types'],
      message: 'give either events or event_types (the same list under its Hindsight name), not both',
    });
};

export const createWebhookBody = z
  .strictObject({
    url: webhookUrl,
    events: webhookEvents.optional(),
    event_types: webhookEventTypes.optional(),
    operation_types: webhookOperationTypes.optional(),
    secret: webhookSecret.optional(),
    enabled: z.boolean().optional(),
    http_config: webhookHttpConfig.optional(),
  })
  .superRefine((body, ctx) => {
    oneEventList(body, ctx);
    if (body.events == null && body.event_types == null)
      ctx.addIssue({
        code: 'custom',
        path: ['events'],
        message: 'must name at least one event (or give event_types)',
      });
  });

export const updateWebhookBody = z
  .strictObject({
    url: webhookUrl.nullish(),
    events: webhookEvents.nullish(),
    event_types: webhookEventTypes.nullish(),
    operation_types: webhookOperationTypes.nullish(),
    secret: webhookSecret.nullish(),
    enabled: z.boolean().nullish(),
    http_config: webhookHttpConfig.nullish(),
  })
  .superRefine(oneEventList);

export const webhookSchema = z.object({
  id: z.string(),
  bank_id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  operation_types: z
    .array(z.enum(OPERATION_TYPES))
    .nullable()
    .meta({ description: 'The operation types delivered; null: every type' }),
  event_types: z.array(z.string()).meta({
    description: "Hindsight's field: the names subscribed with, Hindsight's or else the same as `events`",
  }),
  enabled: z.boolean(),
  http_config: webhookHttpConfig,
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
  event: z.string().meta({
    description: `Hindsight's field: ${HINDSIGHT_EVENT_NAMES.join(' or ')} for those operation types, else \`type\``,
  }),
  bank_id: z.string(),
  operation_id: z.string(),
  status: z.enum(TERMINAL_STATUSES),
  timestamp: z.string().meta({ description: "The same instant as `created_at` (Hindsight's field)" }),
});
