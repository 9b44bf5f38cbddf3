import type { SimilarityIndex } from './similarity.js';

export interface MemoryForLinking {
  id: string;
  text: string;
  documentId: string | null;
  occurredAt: Date | null;
  createdAt: Date;
  entityIds: string[];
  /** Order of the memory within its document (its fact index), when known. */
  position?: number | null;
}

export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function timeOf(m: MemoryForLinking): number {
  return (m.occurredAt ?? m.createdAt).getTime();
}

/** Order within a document: time (a re-retained document follows its earlier version), fact position, id. */
export function documentOrder(a: MemoryForLinking, b: MemoryForLinking): number {
  return timeOf(a) - timeOf(b) || (a.position ?? 0) - (b.position ?? 0) || byId(a.id, b.id);
}

/** The link candidates, numbered in id order, with the indexes every link kind needs. */
export interface LinkUniverse {
  memories: MemoryForLinking[];
  numberOf: Map<string, number>;
  /** Entity ids numbered, and each memory's distinct entities as numbers. */
  entityNumbers: Map<string, number>;
  entitySets: Int32Array[];
  /** Memory numbers per entity number, smallest entity sets first (then id), for bounded entity search. */
  byEntity: Int32Array[];
  /** Scratch space for entity search: a mark per entity and a visit stamp per memory. */
  entityMarks: Uint8Array;
  visits: Int32Array;
  visitStamp: number;
  /** Memory numbers sorted by (time, id), and their times. */
  timeline: Int32Array;
  times: Float64Array;
  /** Memory numbers of each document, in document order. */
  documents: Map<string, number[]>;
  /** Built on first use. */
  similarity: SimilarityIndex | null;
}

/** One memory per id, in id order. */
export function dedupeById(memories: readonly MemoryForLinking[]): MemoryForLinking[] {
  const seen = new Set<string>();
  const out: MemoryForLinking[] = [];
  for (const m of memories) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push(m);
  }
  return out.sort((a, b) => byId(a.id, b.id));
}

function groupBy<K>(count: number, keysOf: (i: number) => Iterable<K>): Map<K, number[]> {
  const groups = new Map<K, number[]>();
  for (let i = 0; i < count; i++) {
    for (const key of keysOf(i)) {
      const list = groups.get(key);
      if (list) list.push(i);
      else groups.set(key, [i]);
    }
  }
  return groups;
}

export function buildLinkUniverse(universe: readonly MemoryForLinking[]): LinkUniverse {
  const memories = dedupeById(universe);
  // Numbered in id order, so that every tie-break on entities is independent of input order.
  const allEntities = [...new Set(memories.flatMap((m) => m.entityIds))].sort(byId);
  const entityNumbers = new Map(allEntities.map((e, n) => [e, n]));
  const entitySets = memories.map((m) =>
    Int32Array.from(new Set(m.entityIds.map((e) => entityNumbers.get(e)!))),
  );
  const byEntity: Int32Array[] = Array.from({ length: entityNumbers.size }, () => new Int32Array(0));
  for (const [entity, list] of groupBy(memories.length, (i) => entitySets[i]!)) {
    list.sort((a, b) => entitySets[a]!.length - entitySets[b]!.length || a - b);
    byEntity[entity] = Int32Array.from(list);
  }
  const rawTimes = memories.map(timeOf);
  const timeline = Int32Array.from(memories.keys()).sort((a, b) => rawTimes[a]! - rawTimes[b]! || a - b);
  const documents = groupBy(memories.length, (i) => {
    const doc = memories[i]!.documentId;
    return doc === null ? [] : [doc];
  });
  for (const list of documents.values()) list.sort((a, b) => documentOrder(memories[a]!, memories[b]!));
  return {
    memories,
    numberOf: new Map(memories.map((m, i) => [m.id, i])),
    entityNumbers,
    entitySets,
    byEntity,
    entityMarks: new Uint8Array(entityNumbers.size),
    visits: new Int32Array(memories.length),
    visitStamp: 0,
    timeline,
    times: Float64Array.from(timeline, (i) => rawTimes[i]!),
    documents,
    similarity: null,
  };
}
