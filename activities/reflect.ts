import type { ModelsConfig } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { embedQuery } from '../src/models/query.js';
import type { Database } from '../src/store/db.js';
import { recallByMeaningAndWords, recallByWords } from '../src/store/recall.js';
import type { ReflectMemory } from '../workflows/definitions.js';

/**
 * The memories a reflect answer is grounded in: the bank's recall for the query, as POST /memories/recall
 * ranks them (by meaning too when an embedding model is configured).
 */
export async function recallForReflect(
  deps: { db: Database; models: ModelsConfig; logger: Logger },
  input: { bankId: string; query: string; limit: number },
): Promise<ReflectMemory[]> {
  const vector = await embedQuery(deps.models, input.query, deps.logger);
  const found = vector
    ? await recallByMeaningAndWords(deps.db, input.bankId, input.query, vector, input.limit)
    : await recallByWords(deps.db, input.bankId, input.query, input.limit);
  return found.map((m) => ({
    id: m.id,
    text: m.text,
    type: 'world',
    context: m.context,
    occurred_start: m.timestamp,
    occurred_end: m.timestamp,
  }));
}
