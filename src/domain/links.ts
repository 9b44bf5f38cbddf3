import { entityLinks } from './entity-links.js';
import { buildLinkUniverse, dedupeById, type LinkUniverse, type MemoryForLinking } from './link-universe.js';
import { buildSimilarityIndex } from './similarity.js';
import type { Candidate } from './strongest.js';
import { temporalLinks } from './temporal-links.js';

export type { MemoryForLinking } from './link-universe.js';

export type LinkKind = 'entity' | 'temporal' | 'similarity';

export interface Link {
  sourceId: string;
  targetId: string;
  kind: LinkKind;
  weight: number;
}

export interface LinkOptions {
  maxPerKind: number;
  similarityThreshold: number;
  temporalWindowMs: number;
}

/** Universes prepared before, per array: callers link one universe chunk after chunk. */
const prepared = new WeakMap<readonly MemoryForLinking[], { length: number; universe: LinkUniverse }>();

function universeFor(memories: readonly MemoryForLinking[]): LinkUniverse {
  const cached = prepared.get(memories);
  if (cached && cached.length === memories.length) return cached.universe;
  const universe = buildLinkUniverse(memories);
  prepared.set(memories, { length: memories.length, universe });
  return universe;
}

function similarityLinks(
  source: MemoryForLinking,
  u: LinkUniverse,
  k: number,
  threshold: number,
): Candidate[] {
  if (!u.similarity) u.similarity = buildSimilarityIndex(u.memories);
  const minScore = Math.max(threshold, Number.MIN_VALUE);
  const hits = u.similarity.has(source.id)
    ? u.similarity.topSimilar(source.id, k, minScore)
    : u.similarity.topSimilarToText(source.text, k, minScore, (id) => id !== source.id);
  return hits.map((h) => ({ index: u.numberOf.get(h.id)!, weight: h.score }));
}

/**
 * Links from each source memory to other memories of the universe: shared entities (Jaccard of the
 * entity sets), time (neighbours in the same document weigh 1, others decay across the window) and
 * TF-IDF similarity at or above the threshold. At most `maxPerKind` links per kind and source,
 * strongest first, ties by target id; sources in id order, kinds in the order entity, temporal,
 * similarity. The universe's indexes are kept for the next call with the same array (unchanged, or
 * they are rebuilt when its length differs), as graph updates link one universe chunk after chunk.
 */
export function computeLinks(
  sources: readonly MemoryForLinking[],
  universe: readonly MemoryForLinking[],
  opts: LinkOptions,
): Link[] {
  const k = Math.max(0, Math.floor(opts.maxPerKind));
  if (k === 0) return [];
  const u = universeFor(universe);
  const links: Link[] = [];
  for (const source of dedupeById(sources)) {
    const byKind: [LinkKind, Candidate[]][] = [
      ['entity', entityLinks(source, u, k)],
      ['temporal', temporalLinks(source, u, k, opts.temporalWindowMs)],
      ['similarity', similarityLinks(source, u, k, opts.similarityThreshold)],
    ];
    for (const [kind, candidates] of byKind) {
      for (const c of candidates) {
        const targetId = u.memories[c.index]!.id;
        if (targetId !== source.id) links.push({ sourceId: source.id, targetId, kind, weight: c.weight });
      }
    }
  }
  return links;
}
