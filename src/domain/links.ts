import { buildSimilarityIndex, type SimilarityIndex } from './similarity.js';

export type LinkKind = 'entity' | 'temporal' | 'similarity';

export interface Link {
  sourceId: string;
  targetId: string;
  kind: LinkKind;
  weight: number;
}

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

export interface LinkOptions {
  maxPerKind: number;
  similarityThreshold: number;
  temporalWindowMs: number;
}

const KIND_ORDER: readonly LinkKind[] = ['entity', 'temporal', 'similarity'];

/** Temporal weight at the edge of the window: exp(-3) ≈ 0.05, so nearer memories clearly win. */
const TEMPORAL_DECAY = 3;

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function timeOf(m: MemoryForLinking): number {
  return (m.occurredAt ?? m.createdAt).getTime();
}

/** Order within a document: fact position when known, then time, then id. */
function documentOrder(a: MemoryForLinking, b: MemoryForLinking): number {
  return (a.position ?? 0) - (b.position ?? 0) || timeOf(a) - timeOf(b) || byId(a.id, b.id);
}

interface Candidate {
  id: string;
  weight: number;
}

function stronger(a: Candidate, b: Candidate): boolean {
  return a.weight > b.weight || (a.weight === b.weight && a.id < b.id);
}

/** Keeps the k strongest of the candidates offered (ties by id), without sorting them all. */
class Strongest {
  readonly items: Candidate[] = [];

  constructor(private readonly k: number) {}

  offer(c: Candidate): void {
    const { items, k } = this;
    if (k <= 0) return;
    if (items.length === k && !stronger(c, items[k - 1]!)) return;
    let at = items.length;
    while (at > 0 && stronger(c, items[at - 1]!)) at--;
    items.splice(at, 0, c);
    if (items.length > k) items.pop();
  }
}

function strongest(candidates: Iterable<Candidate>, k: number): Candidate[] {
  const top = new Strongest(k);
  for (const c of candidates) top.offer(c);
  return top.items;
}

/** The universe indexed once; kept per universe array, since callers link it chunk after chunk. */
interface PreparedUniverse {
  memories: MemoryForLinking[];
  entitySets: string[][];
  byEntity: Map<string, number[]>;
  /** Memory numbers sorted by (time, id), and their times. */
  timeline: Int32Array;
  times: Float64Array;
  /** Memory numbers of each document, in document order. */
  documents: Map<string, number[]>;
  /** Scratch space for counting shared entities per memory. */
  shared: Int32Array;
  touched: Int32Array;
  similarity: SimilarityIndex | null;
}

const prepared = new WeakMap<readonly MemoryForLinking[], { length: number; universe: PreparedUniverse }>();

function prepareUniverse(universe: readonly MemoryForLinking[]): PreparedUniverse {
  const cached = prepared.get(universe);
  if (cached && cached.length === universe.length) return cached.universe;
  const seen = new Set<string>();
  const memories = universe
    .filter((m) => !seen.has(m.id) && seen.add(m.id) !== undefined)
    .sort((a, b) => byId(a.id, b.id));
  const entitySets = memories.map((m) => [...new Set(m.entityIds)]);
  const byEntity = new Map<string, number[]>();
  entitySets.forEach((set, i) => {
    for (const e of set) {
      const list = byEntity.get(e);
      if (list) list.push(i);
      else byEntity.set(e, [i]);
    }
  });
  const rawTimes = memories.map(timeOf);
  const timeline = Int32Array.from(memories.keys()).sort((a, b) => rawTimes[a]! - rawTimes[b]! || a - b);
  const times = Float64Array.from(timeline, (i) => rawTimes[i]!);
  const documents = new Map<string, number[]>();
  memories.forEach((m, i) => {
    if (m.documentId === null) return;
    const list = documents.get(m.documentId);
    if (list) list.push(i);
    else documents.set(m.documentId, [i]);
  });
  for (const list of documents.values()) list.sort((a, b) => documentOrder(memories[a]!, memories[b]!));
  const result: PreparedUniverse = {
    memories,
    entitySets,
    byEntity,
    timeline,
    times,
    documents,
    shared: new Int32Array(memories.length),
    touched: new Int32Array(memories.length),
    similarity: null,
  };
  prepared.set(universe, { length: universe.length, universe: result });
  return result;
}

function entityLinks(source: MemoryForLinking, u: PreparedUniverse, k: number): Candidate[] {
  const own = [...new Set(source.entityIds)];
  if (own.length === 0) return [];
  const { shared, touched } = u;
  let touchedCount = 0;
  for (const e of own) {
    for (const i of u.byEntity.get(e) ?? []) {
      if (shared[i] === 0) touched[touchedCount++] = i;
      shared[i]!++;
    }
  }
  const top = new Strongest(k);
  for (let j = 0; j < touchedCount; j++) {
    const i = touched[j]!;
    const count = shared[i]!;
    shared[i] = 0;
    const target = u.memories[i]!;
    if (target.id === source.id) continue;
    top.offer({ id: target.id, weight: count / (own.length + u.entitySets[i]!.length - count) });
  }
  return top.items;
}

/** First position in the timeline with time >= t (or > t when `after`). */
function bound(times: Float64Array, t: number, after: boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t || (after && times[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The k memories nearest in time within the window, nearest first and ties by id, found by walking out
 * from the source one timestamp at a time: a batch sharing one timestamp costs k, not its size.
 */
function nearestInTime(
  source: MemoryForLinking,
  u: PreparedUniverse,
  k: number,
  windowMs: number,
): Candidate[] {
  const t = timeOf(source);
  const { times, timeline, memories } = u;
  const out: Candidate[] = [];
  if (!Number.isFinite(t)) return out;
  let left = bound(times, t, false);
  let right = left;
  while (out.length < k) {
    const leftTime = left > 0 ? times[left - 1]! : Number.NEGATIVE_INFINITY;
    const rightTime = right < times.length ? times[right]! : Number.POSITIVE_INFINITY;
    const distance = Math.min(t - leftTime, rightTime - t);
    if (!(distance <= windowMs)) break;
    // Every memory at this distance, on either side, in id order (the timeline is id-ordered per time).
    // k + 1 from each side is enough: at most one of them is the source itself.
    const level: number[] = [];
    if (t - leftTime === distance) {
      const from = bound(times, leftTime, false);
      for (let p = from; p < Math.min(left, from + k + 1); p++) level.push(timeline[p]!);
      left = from;
    }
    if (rightTime - t === distance) {
      const to = bound(times, rightTime, true);
      for (let p = right; p < Math.min(to, right + k + 1); p++) level.push(timeline[p]!);
      right = to;
    }
    level.sort((a, b) => a - b);
    const weight = Math.exp((-TEMPORAL_DECAY * distance) / Math.max(windowMs, 1));
    for (const i of level) {
      if (out.length >= k) break;
      const target = memories[i]!;
      if (target.id !== source.id) out.push({ id: target.id, weight });
    }
  }
  return out;
}

function temporalLinks(source: MemoryForLinking, u: PreparedUniverse, opts: LinkOptions): Candidate[] {
  const best = new Map<string, number>();
  const document = source.documentId === null ? undefined : u.documents.get(source.documentId);
  if (document) {
    // Where the source sits in its document, whether or not it is part of the universe.
    let lo = 0;
    let hi = document.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (documentOrder(u.memories[document[mid]!]!, source) < 0) lo = mid + 1;
      else hi = mid;
    }
    const at = document[lo];
    const after = at !== undefined && u.memories[at]!.id === source.id ? lo + 1 : lo;
    for (const i of [document[lo - 1], document[after]]) if (i !== undefined) best.set(u.memories[i]!.id, 1);
  }
  for (const c of nearestInTime(source, u, opts.maxPerKind, opts.temporalWindowMs)) {
    if (c.weight > (best.get(c.id) ?? 0)) best.set(c.id, c.weight);
  }
  return strongest(
    [...best].map(([id, weight]) => ({ id, weight })),
    opts.maxPerKind,
  );
}

function similarityLinks(source: MemoryForLinking, u: PreparedUniverse, opts: LinkOptions): Candidate[] {
  if (!u.similarity) u.similarity = buildSimilarityIndex(u.memories);
  const { similarity } = u;
  const threshold = Math.max(opts.similarityThreshold, Number.MIN_VALUE);
  const hits = similarity.has(source.id)
    ? similarity.topSimilar(source.id, opts.maxPerKind, threshold)
    : similarity.topSimilarToText(source.text, opts.maxPerKind, threshold, (id) => id !== source.id);
  return hits.map((h) => ({ id: h.id, weight: h.score }));
}

/**
 * Links from each source memory to other memories of the universe: shared entities (Jaccard of the
 * entity sets), time (neighbours in the same document weigh 1, others decay across the window) and
 * TF-IDF similarity. At most `maxPerKind` links per kind and source, strongest first, ties by target id;
 * sources in id order. Deterministic; the universe's indexes are reused across calls with the same array.
 */
export function computeLinks(
  sources: readonly MemoryForLinking[],
  universe: readonly MemoryForLinking[],
  opts: LinkOptions,
): Link[] {
  const k = Math.max(0, Math.floor(opts.maxPerKind));
  if (k === 0) return [];
  const u = prepareUniverse(universe);
  const seen = new Set<string>();
  const ordered = sources
    .filter((s) => !seen.has(s.id) && seen.add(s.id) !== undefined)
    .sort((a, b) => byId(a.id, b.id));
  const links: Link[] = [];
  for (const source of ordered) {
    const byKind: Record<LinkKind, Candidate[]> = {
      entity: entityLinks(source, u, k),
      temporal: temporalLinks(source, u, { ...opts, maxPerKind: k }),
      similarity: similarityLinks(source, u, { ...opts, maxPerKind: k }),
    };
    for (const kind of KIND_ORDER) {
      for (const c of byKind[kind]) {
        if (c.id !== source.id) links.push({ sourceId: source.id, targetId: c.id, kind, weight: c.weight });
      }
    }
  }
  return links;
}
