import { entityId } from './ids.js';
import { normalizeKey } from './text.js';
import { STOPWORDS } from './tokens.js';

/** Longest entity name, in words, that a query is searched for ("University of Toronto" is three). */
const MAX_NAME_WORDS = 4;
/** Bound on the entity ids one query looks up (a long query has many word runs). */
const MAX_ENTITY_KEYS = 200;

/**
 * The ids of the entities a recall query could name: every run of up to MAX_NAME_WORDS words of the
 * normalized query that neither starts nor ends with a stop word ("Where does Alice live?" asks for "alice",
 * "live", "alice live", …). Entity ids derive from the bank and the normalized name (see ids.ts), so the store
 * looks these up by primary key instead of searching names.
 */
export function queryEntityIds(bankId: string, query: string): string[] {
  const words = normalizeKey(query).split(' ').filter(Boolean);
  const ids = new Set<string>();
  for (let start = 0; start < words.length; start++) {
    if (STOPWORDS.has(words[start]!)) continue;
    for (let end = start + 1; end <= Math.min(words.length, start + MAX_NAME_WORDS); end++) {
      if (STOPWORDS.has(words[end - 1]!)) continue;
      ids.add(entityId(bankId, words.slice(start, end).join(' ')));
      if (ids.size >= MAX_ENTITY_KEYS) return [...ids];
    }
  }
  return [...ids];
}
