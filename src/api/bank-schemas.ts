import { z } from 'zod';
import { isStorableJson, storable } from './schemas.js';

// The bank resource as the published clients send it: a profile (name, missions, background, disposition)
// and configuration overrides, which are kept and read back but, apart from the reflect mission and the
// disposition, change nothing this service does.

export const MAX_CONFIG_KEYS = 100;
export const MAX_CONFIG_VALUE_BYTES = 10_000;
const CONFIG_KEY = /^[a-z][a-z0-9_]{0,63}$/;

const text = (max: number) => storable(z.string().max(max, `must be at most ${max} characters`));
const trait = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be between 1 and 5')
  .max(5, 'must be between 1 and 5');

export const dispositionSchema = z.strictObject({
  skepticism: trait,
  literalism: trait,
  empathy: trait,
});

/** Settings whose type is known: a value of another type is refused, not stored. */
const knownSettings = {
  reflect_mission: text(10_000).nullish(),
  retain_mission: text(10_000).nullish(),
  observations_mission: text(10_000).nullish(),
  retain_custom_instructions: text(10_000).nullish(),
  retain_extraction_mode: text(64).nullish(),
  retain_chunk_size: z.number().int().positive().nullish(),
  retain_structured_chunk_size: z.number().int().positive().nullish(),
  enable_observations: z.boolean().nullish(),
  enable_temporal_retrieval: z.boolean().nullish(),
  enable_graph_retrieval: z.boolean().nullish(),
  enable_reranking: z.boolean().nullish(),
  enable_text_search: z.boolean().nullish(),
  disposition_skepticism: trait.nullish(),
  disposition_literalism: trait.nullish(),
  disposition_empathy: trait.nullish(),
};

/** Any other setting: a lower-case name and a JSON value of bounded size. */
const anySetting = z
  .unknown()
  .refine(
    (v) => JSON.stringify(v ?? null).length <= MAX_CONFIG_VALUE_BYTES,
    `a setting's value must be at most ${MAX_CONFIG_VALUE_BYTES} bytes of JSON`,
  )
  .refine(
    isStorableJson,
    "a setting's value must not contain NUL (U+0000) characters or unpaired surrogates",
  );

const boundedKeys = (o: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const keys = Object.keys(o);
  if (keys.length > MAX_CONFIG_KEYS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_CONFIG_KEYS} settings (got ${keys.length})` });
  }
  for (const key of keys) {
    if (!CONFIG_KEY.test(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'a setting name must be 1 to 64 lower-case letters, digits or "_", starting with a letter',
      });
    }
  }
};

/** What boundedKeys checks, stated for the OpenAPI document. */
const settingNames = { propertyNames: { pattern: CONFIG_KEY.source }, maxProperties: MAX_CONFIG_KEYS };

export const configUpdates = z
  .object(knownSettings)
  .catchall(anySetting)
  .superRefine(boundedKeys)
  .meta(settingNames);

export const configUpdateBody = z.strictObject({ updates: configUpdates });

/** PUT /banks/{id} (create or update) and PATCH /banks/{id}: the profile, and settings beside it. */
export const bankBody = z
  .object({
    name: text(256).nullish(),
    mission: text(10_000).nullish(),
    background: text(10_000).nullish(),
    disposition: dispositionSchema.nullish(),
    ...knownSettings,
  })
  .catchall(anySetting)
  .superRefine(boundedKeys)
  .meta(settingNames);

export const dispositionBody = z.strictObject({ disposition: dispositionSchema });

export type BankBody = z.output<typeof bankBody>;

// ---- answers

const dispositionOut = z.object({ skepticism: z.number(), literalism: z.number(), empathy: z.number() });

export const bankProfileSchema = z.object({
  bank_id: z.string(),
  name: z.string(),
  disposition: dispositionOut,
  mission: z.string(),
  background: z.string().nullable(),
});

export const bankListSchema = z.object({
  banks: z.array(
    z.object({
      bank_id: z.string(),
      name: z.string().nullable(),
      disposition: dispositionOut,
      mission: z.string().nullable(),
      created_at: z.string(),
      updated_at: z.string(),
      fact_count: z.number().int(),
    }),
  ),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const bankConfigSchema = z.object({
  bank_id: z.string(),
  config: z.record(z.string(), z.unknown()),
  overrides: z.record(z.string(), z.unknown()),
});

const counts = z.record(z.string(), z.number().int());

export const bankStatsSchema = z.object({
  bank_id: z.string(),
  total_nodes: z.number().int(),
  total_links: z.number().int(),
  total_documents: z.number().int(),
  total_entities: z.number().int(),
  total_observations: z.number().int(),
  nodes_by_fact_type: counts,
  links_by_link_type: counts,
  links_by_fact_type: counts,
  links_breakdown: z.record(z.string(), counts),
  pending_operations: z.number().int(),
  failed_operations: z.number().int(),
  operations_by_status: counts,
  last_memory_write_at: z.string().nullable(),
});

export const deletedSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  deleted_count: z.number().int(),
});

export const versionSchema = z.object({
  api_version: z.string(),
  features: z.record(z.string(), z.boolean()),
});

export const liveSchema = z.object({
  status: z.literal('alive'),
  version: z.string(),
  uptime_seconds: z.number(),
});
