import { z } from 'zod';
import { operationSchema } from './schemas.js';

// What the API answers, for the OpenAPI document; the API test validates real answers against these.

const count = z.number().int().min(0);
const page = { total: count, limit: count, offset: count };

export const operationListSchema = z.object({
  bank_id: z.string(),
  operations: z.array(operationSchema),
  ...page,
});

export const cancelledListSchema = z.object({
  bank_id: z.string(),
  cancelled: z.array(operationSchema),
  count,
});

export const retainSyncSchema = z.object({
  /** Always true and false: the published clients read them. */
  success: z.literal(true),
  async: z.literal(false),
  bank_id: z.string(),
  items_count: count,
  memory_ids: z.array(z.string()),
  /** With a model provider: the items the model's answers did not validate for, and the operation that ran. */
  failed_items: z.array(z.object({ index: count, reason: z.string() })).optional(),
  operation_id: z.string().optional(),
});

export const memorySchema = z.object({
  id: z.string(),
  bank_id: z.string(),
  operation_id: z.string().nullable(),
  document_id: z.string().nullable(),
  text: z.string(),
  context: z.string().nullable(),
  timestamp: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
  tags: z.array(z.string()).nullable(),
  entity_ids: z.array(z.string()),
  created_at: z.string(),
});

export const memoryUnitListSchema = z.object({
  items: z.array(memorySchema.extend({ type: z.literal('world'), date: z.string() })),
  ...page,
});

export const memoryListSchema = z.object({ bank_id: z.string(), memories: z.array(memorySchema), ...page });

export const memoryLinksSchema = z.object({
  memory_id: z.string(),
  links: z.array(
    z.object({
      target_id: z.string(),
      kind: z.enum(['entity', 'temporal', 'similarity']),
      weight: z.number(),
      direction: z.enum(['outgoing', 'incoming']),
    }),
  ),
});

export const recallResultSchema = z.object({
  bank_id: z.string(),
  query: z.string(),
  results: z.array(memorySchema.extend({ score: z.number() })),
});

export const entitySchema = z.object({
  id: z.string(),
  bank_id: z.string(),
  name: z.string(),
  kind: z.string(),
  memory_count: count,
  observation: z
    .object({ text: z.string(), memory_ids: z.array(z.string()), updated_at: z.string() })
    .nullable(),
});

export const entityListSchema = z.object({ bank_id: z.string(), entities: z.array(entitySchema), ...page });

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  parts: z.record(
    z.string(),
    z.object({ status: z.enum(['ok', 'unavailable']), error: z.string().optional() }),
  ),
});
