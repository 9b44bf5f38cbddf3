import { setImmediate as nextTurn } from 'node:timers/promises';
import { extractDocument } from '../domain/extract.js';
import { entityId, memoryId } from '../domain/ids.js';
import type { PreparedEntity, PreparedMemory } from '../store/memories.js';
import type { StagedItem } from '../store/retain-items.js';

export interface PreparedItems {
  memories: PreparedMemory[];
  entities: PreparedEntity[];
  /** item index -> why it could not be retained */
  failures: Map<number, string>;
}

/**
 * Turns documents into memories (one per extracted fact) and the entities they mention: CPU work with
 * deterministic ids, done outside any transaction. It hands the event loop back before each document, since
 * the API, heartbeats and workflow tasks share this thread (an embedded store answers through promises
 * alone, so nothing else would), and stops there once `watch.signal` is aborted.
 */
export async function prepareItems(
  bankId: string,
  operationId: string,
  items: StagedItem[],
  watch: { signal?: AbortSignal; beforeItem?: (item: StagedItem) => void } = {},
): Promise<PreparedItems> {
  const memories: PreparedMemory[] = [];
  const entities = new Map<string, PreparedEntity>();
  const failures = new Map<number, string>();
  for (const item of items) {
    await nextTurn();
    watch.signal?.throwIfAborted();
    watch.beforeItem?.(item);
    try {
      const { facts } = extractDocument(item.content);
      // A document too short to split still says something: keep it whole.
      const usable = facts.length > 0 ? facts : [{ text: item.content.trim(), entities: [] }];
      usable.forEach((fact, factIndex) => {
        const ids = fact.entities.map((e) => {
          const id = entityId(bankId, e.normalized);
          if (!entities.has(id))
            entities.set(id, { id, name: e.name, normalized: e.normalized, kind: e.kind });
          return id;
        });
        memories.push({
          id: memoryId(operationId, item.item_index, factIndex),
          itemIndex: item.item_index,
          factIndex,
          text: fact.text,
          context: item.context,
          occurredAt: item.occurred_at,
          documentId: item.document_id,
          metadata: item.metadata,
          tags: item.tags,
          entityIds: [...new Set(ids)],
        });
      });
    } catch (error) {
      failures.set(item.item_index, `could not extract facts: ${(error as Error).message}`);
    }
  }
  return { memories, entities: [...entities.values()], failures };
}
