import { z } from 'zod';
import { OPERATION_STATUSES, OPERATION_TYPES } from '../operations/types.js';

// The request schemas validate input and, through the OpenAPI document, describe it: one source for both.

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const idMessage = 'must be 1 to 128 characters of letters, digits, "_", ".", ":" or "-"';
export const idSchema = z.string().regex(ID_PATTERN, idMessage);

// PostgreSQL text and jsonb cannot hold U+0000, and an unpaired UTF-16 surrogate cannot be encoded as UTF-8:
// either would fail in the store (a 500, or a batch that retries until it fails), so both are refused here.
// The NUL rule is a pattern, so the OpenAPI document shows it too.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const storable = (schema: z.ZodString) =>
  schema
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the character refused
    .regex(/^[^\u0000]*$/, 'must not contain NUL (U+0000) characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must not contain unpaired surrogates');

/** The same rules for every string (keys too) of a free-form JSON value. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => isStorableJson(key) && isStorableJson(item));
  }
  return true;
}

/** Query parameters that are whole numbers: the OpenAPI document shows them as bounded integers. */
export const queryIntegers = new WeakMap<object, { minimum: number; maximum: number; default: number }>();

export const bankParams = z.object({ bank_id: idSchema });
export const operationParams = bankParams.extend({ operation_id: idSchema });
export const memoryParams = bankParams.extend({ memory_id: idSchema });
export const entityParams = bankParams.extend({ entity_id: idSchema });

/** Query strings carry text: whole numbers only, in range, or a clear 400. */
const intParam = (min: number, max: number, fallback: number) => {
  const schema = z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);
  queryIntegers.set(schema, { minimum: min, maximum: max, default: fallback });
  return schema;
};

export const pageQuery = z.object({
  limit: intParam(1, 100, 20),
  offset: intParam(0, 100_000_000, 0),
});

export const listOperationsQuery = pageQuery.extend({
  status: z.enum(OPERATION_STATUSES).optional(),
  type: z.enum(OPERATION_TYPES).optional(),
});

/** The longest a GET of an operation may wait for its end (`?wait=`). */
export const MAX_WAIT_SECONDS = 60;

/**
 * `?wait=30s` or `?wait=30`: seconds (fractions allowed) to hold the answer until the operation ends. Answered
 * in milliseconds; absent means answer at once.
 */
export const getOperationQuery = z.object({
  wait: z
    .string()
    // 0 to 60 seconds: the bound is in the pattern, so the OpenAPI document states it too.
    .regex(
      /^(60(\.0{1,3})?|[1-5]?\d(\.\d{1,3})?)s?$/,
      `must be a number of seconds up to ${MAX_WAIT_SECONDS}, such as 30 or 30s (at most 3 decimals)`,
    )
    .transform((text) => Math.round(Number(text.replace(/s$/, '')) * 1000))
    .optional(),
});

export const listMemoriesQuery = pageQuery.extend({
  operation_id: idSchema.optional(),
  document_id: storable(z.string().min(1).max(512)).optional(),
});

/** The published clients' `GET /memories/list`: upstream's filters, those this service has. */
export const listMemoryUnitsQuery = z.strictObject({
  limit: intParam(1, 1000, 100),
  offset: intParam(0, 100_000_000, 0),
  q: storable(z.string().min(1).max(1000)).optional(),
  document_id: storable(z.string().min(1).max(512)).optional(),
  entity_id: idSchema.optional(),
  // Every memory here is a world fact: another type lists nothing.
  type: z.enum(['world', 'experience', 'observation']).optional(),
});

export const MAX_ITEMS = 100_000;
export const SYNC_MAX_ITEMS = 100;
export const SYNC_MAX_BYTES = 100 * 1024;

// What PostgreSQL's timestamptz reads back from JavaScript's ISO form: years 0001 to 9999 in UTC.
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Retain options of the Hindsight API this service does not have. The published Python client sends each with
 * every item, as null: null is accepted, and a value is refused rather than silently ignored.
 */
function unsupportedOptions(keys: string[]) {
  return Object.fromEntries(
    keys.map((key) => [
      key,
      z.null({ error: `${key} is not supported by this service: leave it out` }).optional(),
    ]),
  );
}

export const retainItem = z.strictObject({
  content: storable(
    z
      .string()
      .min(1, 'must not be empty')
      .max(1_000_000, 'must be at most 1,000,000 characters')
      // Only whitespace would be stored as a memory with no text.
      .regex(/\S/, 'must not be blank (only whitespace)'),
  ),
  context: storable(z.string().max(10_000)).nullish(),
  timestamp: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .refine((s) => {
      const t = Date.parse(s);
      return t >= FIRST_INSTANT && t <= LAST_INSTANT;
    }, 'must fall between 0001-01-01 and 9999-12-31 (UTC)')
    .nullish(),
  document_id: storable(z.string().min(1).max(512)).nullish(),
  metadata: z.record(storable(z.string().max(256)), storable(z.string().max(10_000))).nullish(),
  tags: z
    .array(storable(z.string().min(1).max(256)))
    .max(100)
    .nullish(),
  ...unsupportedOptions(['entities', 'observation_scopes', 'strategy', 'update_mode']),
  // Entities are always resolved here; the published Python client sends this with every item.
  resolve_entities: z.boolean().nullish(),
});

/** Labels on an operation: at most this many keys… */
export const MAX_METADATA_KEYS = 16;
/** …each key 1 to this many characters of METADATA_KEY_PATTERN… */
export const MAX_METADATA_KEY_LENGTH = 64;
// "__proto__" would be dropped by every JavaScript object it passes through, so it is refused, not lost.
export const METADATA_KEY_PATTERN = /^(?!__proto__$)[A-Za-z0-9_.-]+$/;
/** …and each value a string of at most this many characters. */
export const MAX_METADATA_VALUE_LENGTH = 256;

const metadataKeyRule =
  `must be 1 to ${MAX_METADATA_KEY_LENGTH} characters of letters, digits, "_", "." or "-" ` +
  '(and not "__proto__")';
export const metadataKey = z
  .string()
  .min(1, metadataKeyRule)
  .max(MAX_METADATA_KEY_LENGTH, metadataKeyRule)
  .regex(METADATA_KEY_PATTERN, metadataKeyRule);
export const metadataValue = storable(
  z
    .string({ error: 'must be a string (metadata values are text: send numbers as "7")' })
    .max(MAX_METADATA_VALUE_LENGTH, `must be at most ${MAX_METADATA_VALUE_LENGTH} characters`),
);

/**
 * Free-form labels on the operation a submit creates (`{"customer": "acme"}`), returned with it and filtered
 * on by `GET …/operations?metadata.customer=acme`. Small and bounded: they live in the operation row, which
 * every list and webhook carries.
 */
const metadataRecord = z
  .record(metadataKey, metadataValue, {
    error: (issue) => (issue.code === 'invalid_key' ? `key ${metadataKeyRule}` : undefined),
  })
  .superRefine((metadata, ctx) => {
    const count = Object.keys(metadata).length;
    if (count > MAX_METADATA_KEYS) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_METADATA_KEYS} keys (got ${count})` });
    }
  });

export const operationMetadata = z
  .unknown()
  // A record drops a "__proto__" key before its keys are checked: refused here, so no label is lost unseen.
  .superRefine((value, ctx) => {
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: `key ${metadataKeyRule}` });
    }
  })
  // The document shows the record's rules (a pipe is documented by its input, here unknown).
  .meta({
    type: 'object',
    propertyNames: { ...z.toJSONSchema(metadataKey), $schema: undefined },
    additionalProperties: { ...z.toJSONSchema(metadataValue, { io: 'input' }), $schema: undefined },
    maxProperties: MAX_METADATA_KEYS,
    description:
      `Labels for the operation, returned with it and in its webhooks, and filtered on by the list ` +
      `(metadata.<key>=<value>): at most ${MAX_METADATA_KEYS} keys of 1 to ${MAX_METADATA_KEY_LENGTH} ` +
      `characters (letters, digits, "_", "." or "-"), each value a string of at most ` +
      `${MAX_METADATA_VALUE_LENGTH} characters`,
  })
  .pipe(metadataRecord);

/** A caller's operation id: an idempotency key within the bank. */
const callerOperationId = idSchema.optional().meta({
  description:
    'An id of your choosing, unique within the bank (other banks may use the same one): the same request sent ' +
    'again gets the same operation and writes nothing twice; other content under the same id answers 409',
});

export const retainBody = z.strictObject({
  items: z.array(retainItem).min(1, 'must hold at least one item'),
  async: z.boolean().optional(),
  ...unsupportedOptions(['document_tags']),
  operation_id: callerOperationId,
  metadata: operationMetadata.optional(),
});

export const graphUpdateBody = z.strictObject({
  full_rebuild: z.boolean().optional(),
  operation_id: callerOperationId,
  metadata: operationMetadata.optional(),
});

export const regenerateObservationsBody = z.strictObject({
  entity_ids: z.array(idSchema).min(1).max(10_000).optional(),
  operation_id: callerOperationId,
  metadata: operationMetadata.optional(),
});

export const cancelManyBody = z.strictObject({ status: z.literal('pending') });

/**
 * Options the published clients send with every recall (`budget`, `include`) or when a user sets them: accepted
 * so those clients can recall, and without effect here (the answer is always the fused ranking up to `limit`).
 */
const PUBLISHED_RECALL_OPTIONS = [
  'budget',
  'include',
  'types',
  'max_tokens',
  'trace',
  'query_timestamp',
  'tags',
  'tags_match',
  'tag_groups',
  'min_scores',
  'prefer_observations',
  'temporal_window',
] as const;

export const recallBody = z.strictObject({
  query: storable(z.string().trim().min(1, 'must not be empty').max(2_000)),
  limit: z.number().int().min(1).max(100).optional(),
  ...Object.fromEntries(PUBLISHED_RECALL_OPTIONS.map((key) => [key, z.unknown().optional()])),
});

export const operationSchema = z.object({
  operation_id: z.string(),
  bank_id: z.string(),
  type: z.enum(OPERATION_TYPES),
  status: z.enum(OPERATION_STATUSES),
  progress: z.number().int().min(0).meta({ description: 'Items processed so far (from the operation row)' }),
  total: z.number().int().min(0).meta({ description: 'Items the operation has to process' }),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  follow_up: z.boolean().meta({
    description:
      'true for graph_update and regenerate_observations queued by the service after new memories ' +
      '(one of each pending per bank at most), false for operations a caller started',
  }),
  triggered_by: z
    .string()
    .nullable()
    .meta({
      description:
        'The batch_retain operation whose completion queued this follow-up; null for operations a caller ' +
        'started and for follow-ups of a synchronous retain',
    }),
  retry_of: z
    .string()
    .nullable()
    .meta({
      description:
        'The batch_retain whose failed items this batch_retain retains again (POST …/operations/{id}/retry); ' +
        'null otherwise, and once that record is deleted',
    }),
  retries: z.array(z.string()).meta({
    description: "The batch_retain operations started to retry this one's failed items (at most one)",
  }),
  metadata: z.record(z.string(), z.string()).meta({
    description:
      "The labels given at submit (`metadata`), `{}` when none; a retry carries its original's over",
  }),
});

/** POST …/operations/{id}/retry: the upstream answer, with the new operation in ours. */
export const retryAnswerSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  operation_id: z.string().meta({ description: 'The new batch_retain operation' }),
  operation: operationSchema,
});

/** DELETE …/operations/{id}/delete: the upstream answer. */
export const deleteOperationAnswerSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  operation_id: z.string().meta({ description: 'The operation whose record was deleted' }),
});

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const documentParams = bankParams.extend({ document_id: storable(z.string().min(1).max(512)) });
export const MAX_DOCUMENT_TAGS = 100;
export const updateDocumentBody = z
  .object({
    tags: z.array(storable(z.string().min(1).max(256))).max(MAX_DOCUMENT_TAGS),
  })
  .strict();
