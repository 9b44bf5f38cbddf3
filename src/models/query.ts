import type { ModelsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { countCall } from './calls.js';
import { embed, InvalidAnswer } from './provider.js';

/** A recall query's embedding, or undefined (no embedding model, or it failed: recall falls back to words). */
export async function embedQuery(
  models: ModelsConfig,
  query: string,
  logger: Logger,
): Promise<number[] | undefined> {
  const endpoint = models.embeddings;
  if (!endpoint) return undefined;
  try {
    const { vectors, usage } = await embed(endpoint, [query], models.callTimeoutMs);
    countCall(endpoint.model, 'ok', usage);
    return vectors[0];
  } catch (err) {
    countCall(endpoint.model, err instanceof InvalidAnswer ? 'invalid_answer' : 'unavailable');
    logger.warn({ err, model: endpoint.model }, 'query embedding failed; recall uses full-text only');
    return undefined;
  }
}
