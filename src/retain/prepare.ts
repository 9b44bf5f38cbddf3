import type { ExtractedFact } from '../domain/extract.js';
import { entityId, memoryId } from '../domain/ids.js';
import type { PreparedEntity, PreparedMemory } from '../store/memories.js';
import type { StagedItem } from '../store/retain-items.js';
import type { ExtractionPool } from './extraction-pool.js';

export interface PreparedItems {
  memories: PreparedMemory[];
  entities: PreparedEntity[];
  /** item index -> why it could not be retained */
  failures: Map<number, string>;
}

/**
 * Turns documents into memories (one per extracted fact) and the entities they mention, with deterministic
 * ids, outside any transaction. Extraction runs on the pool's threads; an aborted `signal` stops it.
 */
export async function prepareItems(
  extraction: ExtractionPool,
  bankId: string,
  operationId: string,
  items: StagedItem[],
  signal?: AbortSignal,
): Promise<PreparedItems> {
  const extracted = await extraction.extract(
    items.map((item) => item.content),
    signal,
  );
  return assemble(bankId, operationId, items, extracted);
}

/** A document's extraction: facts (with, from a model, when each happened), or why there are none. */
export type Extraction = { facts: ExtractedFact[]; occurredAt?: (string | null)[] } | { error: string };

/** Memories and entities from each item's extraction (`extracted[i]` belongs to `items[i]`). */
export function assemble(
  bankId: string,
  operationId: string,
  items: StagedItem[],
  extracted: Extraction[],
): PreparedItems {
  const memories: PreparedMemory[] = [];
  const entities = new Map<string, PreparedEntity>();
  const failures = new Map<number, string>();
  items.forEach((item, i) => {
    const result = extracted[i]!;
    if ('error' in result) {
      failures.set(item.item_index, `could not extract facts: ${result.error}`);
      return;
    }
    const occurredAt = result.occurredAt;
    // A document too short to split still says something: keep it whole.
    const usable = result.facts.length > 0 ? result.facts : [{ text: item.content.trim(), entities: [] }];
    usable.forEach((fact, factIndex) => {
      const ids = fact.entities.map((e) => {
        const id = entityId(bankId, e.normalized);
        if (!entities.has(id)) entities.set(id, { id, name: e.name, normalized: e.normalized, kind: e.kind });
        return id;
      });
      memories.push({
        id: memoryId(operationId, item.item_index, factIndex),
        itemIndex: item.item_index,
        factIndex,
        text: fact.text,
        context: item.context,
        // The model's date for the fact, when it found one; else the document's.
        occurredAt: occurredAt?.[factIndex] ?? item.occurred_at,
        documentId: item.document_id,
        metadata: item.metadata,
        tags: item.tags,
        entityIds: [...new Set(ids)],
      });
    });
  });
  return { memories, entities: [...entities.values()], failures };
}
