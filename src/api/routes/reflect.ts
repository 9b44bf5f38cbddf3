import { Hono } from 'hono';
import { z } from 'zod';
import { notServed } from '../../errors.js';
import type { AppDeps } from '../deps.js';
import { bankParams, storable } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

export const REFLECT_MAX_QUERY = 10_000;

/** What the published clients send; options this service has no use for are accepted and change nothing. */
export const reflectBody = z.looseObject({
  query: storable(
    z
      .string()
      .min(1, 'must not be empty')
      .max(REFLECT_MAX_QUERY, `must be at most ${REFLECT_MAX_QUERY} characters`)
      .regex(/\S/, 'must not be blank (only whitespace)'),
  ),
  context: storable(z.string().max(REFLECT_MAX_QUERY)).nullish(),
  budget: z.enum(['low', 'mid', 'high']).nullish(),
});

/** A memory the answer rests on, in the published clients' `ReflectFact` shape. */
const reflectFact = z.object({
  id: z.string(),
  text: z.string(),
  type: z.literal('world'),
  context: z.string().nullable(),
  occurred_start: z.string().nullable(),
  occurred_end: z.string().nullable(),
});

/** The published clients' `ReflectResponse`: the answer, the memories it rests on, the tokens it cost. */
export const reflectAnswerSchema = z.object({
  text: z.string(),
  based_on: z.object({
    memories: z.array(reflectFact),
    mental_models: z.array(z.never()),
    directives: z.array(z.never()),
  }),
  usage: z
    .object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() })
    .nullable(),
});

export const NO_PROVIDER =
  'reflect needs a chat model provider (set HINDSIGHT_API_LLM_PROVIDER=openai with HINDSIGHT_API_LLM_BASE_URL ' +
  'and HINDSIGHT_API_LLM_MODEL); without one, POST /v1/default/banks/{bank_id}/memories/recall returns the ' +
  'memories that match the query, which is what a reflect answer would be grounded in';

/** `POST /reflect`: an answer written by the chat model from the bank's recalled memories, citing them. */
export function reflectRoutes(deps: AppDeps) {
  return new Hono().post('/', async (c) => {
    const { bank_id } = validate(bankParams, c.req.param(), 'path');
    const body = validate(reflectBody, await jsonBody(c.req), 'body');
    if (!deps.config.models.chat) throw notServed(NO_PROVIDER);
    const outcome = await deps.operations.reflect({
      bankId: bank_id,
      query: body.query,
      context: body.context,
      budget: body.budget,
    });
    const answer: z.infer<typeof reflectAnswerSchema> = {
      text: outcome.text,
      based_on: { memories: outcome.memories, mental_models: [], directives: [] },
      usage: outcome.usage,
    };
    return c.json(answer);
  });
}
