import { z } from 'zod';

// Schemas describe responses after their keys were camelCased (see case.ts). Entities use
// z.object so that their TypeScript types stay exact; free-form parts (results, metadata) stay loose.

export const OPERATION_TYPES = [
  'batch_retain',
  'regenerate_observations',
  'graph_update',
  'delete_bank',
  'delete_document',
] as const;
export const OPERATION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export const WEBHOOK_EVENTS = ['operation.completed', 'operation.failed', 'operation.cancelled'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const count = z.number().int().nonnegative();
const timestamp = z.string();

export const failedItemSchema = z.looseObject({ index: z.number().int(), reason: z.string() });

/** Union of the documented result fields of all operation types; which ones are set depends on `type`. */
export const operationResultSchema = z.looseObject({
  // batch_retain
  memoryIds: z.array(z.string()).optional(),
  itemsCount: count.optional(),
  memoriesCount: count.optional(),
  entitiesCount: count.optional(),
  failedItems: z.array(failedItemSchema).optional(),
  // graph_update
  memoriesProcessed: count.optional(),
  linksCreated: count.optional(),
  // regenerate_observations
  entitiesProcessed: count.optional(),
  observationsUpdated: count.optional(),
  entityIds: z.array(z.string()).optional(),
  // any type, with a model provider configured
  modelCalls: count.optional(),
  modelTokens: count.optional(),
  models: z
    .array(z.looseObject({ model: z.string(), calls: count, promptTokens: count, completionTokens: count }))
    .optional(),
});

export const operationSchema = z.object({
  operationId: z.string(),
  bankId: z.string(),
  type: z.enum(OPERATION_TYPES),
  status: z.enum(OPERATION_STATUSES),
  progress: count,
  total: count.nullable(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  completedAt: timestamp.nullable(),
  error: z.string().nullable(),
  result: operationResultSchema.nullable(),
  /** Queued by the service after new memories (graph_update, regenerate_observations), not by a caller. */
  followUp: z.boolean().optional(),
  /** The batch retain whose completion queued this follow-up; null for operations a caller started. */
  triggeredBy: z.string().nullish(),
  /** The batch retain whose failed items this one retains again (a retry); null otherwise. */
  retryOf: z.string().nullish(),
  /** The batch retains started to retry this one's failed items. */
  retries: z.array(z.string()).optional(),
  /** The labels given at submit; `{}` when none (and from servers without labels). */
  metadata: z.record(z.string(), z.string()).default({}),
});

/** What retryOperation answers: the new batch retain, with the server's message. */
export const retryResultSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  operationId: z.string(),
  operation: operationSchema,
});

/** What deleteOperation answers. */
export const deleteOperationResultSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  operationId: z.string(),
});

export const operationListSchema = z.object({
  bankId: z.string(),
  operations: z.array(operationSchema),
  total: count,
  limit: count,
  offset: count,
});

export const cancelPendingResultSchema = z.object({
  bankId: z.string(),
  cancelled: z.array(operationSchema),
  count,
});

export const retainResultSchema = z.object({
  bankId: z.string(),
  itemsCount: count,
  memoryIds: z.array(z.string()),
  /** With a model provider: the items the model's answers did not validate for, and the operation that ran. */
  failedItems: z.array(failedItemSchema).optional(),
  operationId: z.string().optional(),
});

const metadata = z.record(z.string(), z.unknown()).nullable();

export const memorySchema = z.object({
  id: z.string(),
  bankId: z.string(),
  operationId: z.string().nullable(),
  documentId: z.string().nullable(),
  text: z.string(),
  context: z.string().nullable(),
  timestamp: timestamp.nullable(),
  metadata: metadata.optional(),
  tags: z.array(z.string()).nullable().optional(),
  entityIds: z.array(z.string()),
  createdAt: timestamp,
});

export const memoryListSchema = z.object({
  bankId: z.string(),
  memories: z.array(memorySchema),
  total: count,
  limit: count,
  offset: count,
});

export const memoryLinksSchema = z.object({
  memoryId: z.string(),
  links: z.array(z.object({ targetId: z.string(), kind: z.string(), weight: z.number() })),
});

export const recallResultSchema = z.object({
  bankId: z.string(),
  query: z.string(),
  results: z.array(memorySchema.extend({ score: z.number() })),
});

/** The answer to an upload: the one batch_retain that retains its files. */
export const fileRetainAnswerSchema = z.object({ operationIds: z.array(z.string()) });

/** A reflect answer: the model's text and the memories it was given (which the text cites by id). */
export const reflectAnswerSchema = z.object({
  text: z.string(),
  basedOn: z.object({
    memories: z.array(z.looseObject({ id: z.string(), text: z.string() })),
  }),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }).nullable(),
});

export const observationSchema = z.object({
  text: z.string(),
  memoryIds: z.array(z.string()),
  updatedAt: timestamp,
});

export const entitySchema = z.object({
  id: z.string(),
  bankId: z.string(),
  name: z.string(),
  kind: z.string(),
  memoryCount: count,
  observation: observationSchema.nullable(),
});

export const entityListSchema = z.object({
  bankId: z.string(),
  entities: z.array(entitySchema),
  total: count,
  limit: count,
  offset: count,
});

export const webhookSchema = z.object({
  id: z.string(),
  bankId: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  /** The operation types delivered; null: every type. */
  operationTypes: z.array(z.enum(OPERATION_TYPES)).nullish(),
  enabled: z.boolean(),
  /** The secret itself is never returned after creation. */
  hasSecret: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** Only the create response carries a secret, and only one the server generated. */
export const webhookCreatedSchema = webhookSchema.extend({ secret: z.string().optional() });

export const webhookListSchema = z.object({
  bankId: z.string(),
  webhooks: z.array(webhookSchema),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.enum(WEBHOOK_EVENTS),
  operationId: z.string(),
  attempts: count,
  status: z.enum(['pending', 'delivered', 'failed']),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: timestamp.nullable(),
  deliveredAt: timestamp.nullable(),
  createdAt: timestamp,
});

export const webhookDeliveryListSchema = z.object({
  webhookId: z.string(),
  deliveries: z.array(webhookDeliverySchema),
  total: count,
  limit: count,
  offset: count,
});

/** The JSON body of every webhook delivery; its `id` is also sent as the `webhook-id` header. */
export const webhookEventSchema = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENTS),
  createdAt: timestamp,
  data: operationSchema,
});

export const healthSchema = z.looseObject({
  status: z.string(),
  parts: z.unknown().optional(),
});

export type Operation = z.infer<typeof operationSchema>;
export type OperationResult = z.infer<typeof operationResultSchema>;
export type FailedItem = z.infer<typeof failedItemSchema>;
export type CancelPendingResult = z.infer<typeof cancelPendingResultSchema>;
export type RetryResult = z.infer<typeof retryResultSchema>;
export type DeleteOperationResult = z.infer<typeof deleteOperationResultSchema>;
export type RetainResult = z.infer<typeof retainResultSchema>;
export type Memory = z.infer<typeof memorySchema>;
export type MemoryList = z.infer<typeof memoryListSchema>;
export type MemoryLinks = z.infer<typeof memoryLinksSchema>;
export type RecallResult = z.infer<typeof recallResultSchema>;
export type ReflectAnswer = z.infer<typeof reflectAnswerSchema>;
export type Entity = z.infer<typeof entitySchema>;
export type EntityList = z.infer<typeof entityListSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookCreated = z.infer<typeof webhookCreatedSchema>;
export type WebhookList = z.infer<typeof webhookListSchema>;
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
export type WebhookDeliveryList = z.infer<typeof webhookDeliveryListSchema>;
export type WebhookEventPayload = z.infer<typeof webhookEventSchema>;
export type Health = z.infer<typeof healthSchema>;

export function isTerminalStatus(status: OperationStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
