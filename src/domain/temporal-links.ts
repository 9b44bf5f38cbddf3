import { documentOrder, type LinkUniverse, type MemoryForLinking, timeOf } from './link-universe.js';
import { type Candidate, Strongest } from './strongest.js';

/** Temporal weight at the edge of the window: exp(-3) ≈ 0.05, so nearer memories clearly win. */
const DECAY = 3;

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

/** First memory number whose id sorts after the source's id. */
function idAnchor(source: MemoryForLinking, u: LinkUniverse): number {
  const own = u.numberOf.get(source.id);
  if (own !== undefined) return own + 1;
  let lo = 0;
  let hi = u.memories.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u.memories[mid]!.id < source.id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The k memories nearest in time within the window, found by walking out from the source one timestamp
 * at a time, so a batch sharing one timestamp costs k, not its size. Equally near memories are taken in
 * id order starting after the source's own id (wrapping around): a batch's memories then link to their
 * id neighbours instead of all to the batch's first ids.
 */
function nearestInTime(source: MemoryForLinking, u: LinkUniverse, k: number, windowMs: number): Candidate[] {
  const t = timeOf(source);
  const { times, timeline, memories } = u;
  const out: Candidate[] = [];
  if (!Number.isFinite(t)) return out;
  const anchor = idAnchor(source, u);
  const n = memories.length;
  const cyclic = (i: number): number => (i - anchor + n) % n;
  // Up to k + 1 of the block [from, to) (one may be the source), in cyclic id order; the timeline
  // lists each timestamp's memories in id order.
  const takeBlock = (from: number, to: number, into: number[]): void => {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (timeline[mid]! < anchor) lo = mid + 1;
      else hi = mid;
    }
    const size = to - from;
    for (let j = 0; j < Math.min(size, k + 1); j++) into.push(timeline[from + ((lo - from + j) % size)]!);
  };
  let left = bound(times, t, false);
  let right = left;
  while (out.length < k) {
    const leftTime = left > 0 ? times[left - 1]! : Number.NEGATIVE_INFINITY;
    const rightTime = right < times.length ? times[right]! : Number.POSITIVE_INFINITY;
    const distance = Math.min(t - leftTime, rightTime - t);
    if (!(distance <= windowMs)) break;
    const level: number[] = [];
    if (t - leftTime === distance) {
      const from = bound(times, leftTime, false);
      takeBlock(from, left, level);
      left = from;
    }
    if (rightTime - t === distance) {
      const to = bound(times, rightTime, true);
      takeBlock(right, to, level);
      right = to;
    }
    level.sort((a, b) => cyclic(a) - cyclic(b));
    const weight = Math.exp((-DECAY * distance) / Math.max(windowMs, 1));
    for (const i of level) {
      if (out.length >= k) break;
      if (memories[i]!.id !== source.id) out.push({ index: i, weight });
    }
  }
  return out;
}

/** The memories just before and after the source in its document. */
function documentNeighbours(source: MemoryForLinking, u: LinkUniverse): Candidate[] {
  const document = source.documentId === null ? undefined : u.documents.get(source.documentId);
  if (!document) return [];
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
  return [document[lo - 1], document[after]]
    .filter((i) => i !== undefined)
    .map((index) => ({ index, weight: 1 }));
}

/**
 * Neighbours in the same document (weight 1) and memories within the time window around the source
 * (occurredAt, else createdAt), weight decaying with the distance; the k strongest.
 */
export function temporalLinks(
  source: MemoryForLinking,
  u: LinkUniverse,
  k: number,
  windowMs: number,
): Candidate[] {
  const best = new Map<number, number>();
  for (const c of [...documentNeighbours(source, u), ...nearestInTime(source, u, k, windowMs)]) {
    if (c.weight > (best.get(c.index) ?? 0)) best.set(c.index, c.weight);
  }
  const top = new Strongest(k);
  for (const [index, weight] of best) top.offer(index, weight);
  return top.items;
}
