import { invalid } from '../errors.js';
import type { OperationMetadata } from '../store/operations.js';
import { MAX_METADATA_KEYS, metadataKey, metadataValue } from './schemas.js';

const PREFIX = 'metadata.';

/**
 * The list's label filter: every `metadata.<key>=<value>` of the query, an AND of exact matches. Its keys and
 * values follow the rules of labels given at submit, so a filter that could never match is a 400 naming it.
 */
export function metadataFilter(query: Record<string, string[]>): OperationMetadata | undefined {
  const filter: OperationMetadata = {};
  for (const [name, values] of Object.entries(query)) {
    if (name === 'metadata') {
      throw invalid('invalid query: metadata: filter on one label per parameter, as metadata.<key>=<value>');
    }
    if (!name.startsWith(PREFIX)) continue;
    const key = name.slice(PREFIX.length);
    const parsedKey = metadataKey.safeParse(key);
    if (!parsedKey.success) {
      throw invalid(`invalid query: ${name}: key ${parsedKey.error.issues[0]!.message}`);
    }
    if (values.length > 1) {
      throw invalid(
        `invalid query: ${name}: given ${values.length} times; a label has one value, give it once`,
      );
    }
    const parsedValue = metadataValue.safeParse(values[0] ?? '');
    if (!parsedValue.success) {
      throw invalid(`invalid query: ${name}: ${parsedValue.error.issues[0]!.message}`);
    }
    filter[key] = parsedValue.data;
  }
  const count = Object.keys(filter).length;
  if (count > MAX_METADATA_KEYS) {
    throw invalid(`invalid query: at most ${MAX_METADATA_KEYS} metadata.<key> filters (got ${count})`);
  }
  return count > 0 ? filter : undefined;
}
