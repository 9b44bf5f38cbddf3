import type { LinkUniverse, MemoryForLinking } from './link-universe.js';
import { type Candidate, Strongest } from './strongest.js';

/** Entities in more memories than this are searched from their smallest entity sets onwards. */
const POPULAR = 256;

/**
 * At most this many memories are compared per source, so that banks where most memories share most
 * entities stay linear; below it the result is exact.
 */
const COMPARISON_BUDGET = 4096;

/**
 * The best Jaccard a memory can still reach when it shares only popular entities with the source and
 * has at least `minSize` entities: it shares c <= popularCount of them, and c / (|S| + |U| - c) is
 * largest at |U| = c = min(popularCount, max(minSize, 1)).
 */
function jaccardBound(sourceSize: number, popularCount: number, minSize: number): number {
  const size = Math.max(minSize, 1);
  return size <= popularCount ? size / sourceSize : popularCount / (sourceSize + size - popularCount);
}

/**
 * Memories sharing entities with the source, weighted by the Jaccard index of the two entity sets, the
 * k strongest. Rare entities are scanned in full; a popular entity (a user's own name, say) only as far
 * as its memories could still make the top k, since its list is ordered by entity-set size; and no more
 * than COMPARISON_BUDGET memories in all.
 */
export function entityLinks(source: MemoryForLinking, u: LinkUniverse, k: number): Candidate[] {
  const sourceSize = new Set(source.entityIds).size;
  if (sourceSize === 0) return [];
  const own: number[] = [];
  for (const e of new Set(source.entityIds)) {
    const n = u.entityNumbers.get(e);
    if (n !== undefined) own.push(n);
  }
  for (const n of own) u.entityMarks[n] = 1;
  const stamp = ++u.visitStamp;
  const self = u.numberOf.get(source.id);
  if (self !== undefined) u.visits[self] = stamp;
  const top = new Strongest(k);
  let compared = 0;
  const consider = (i: number): void => {
    if (u.visits[i] === stamp) return;
    u.visits[i] = stamp;
    compared++;
    const set = u.entitySets[i]!;
    let shared = 0;
    for (let j = 0; j < set.length; j++) shared += u.entityMarks[set[j]!]!;
    top.offer(i, shared / (sourceSize + set.length - shared));
  };
  const popular: { list: Int32Array; next: number }[] = [];
  // Rarest entities first: they say the most about the source.
  own.sort((a, b) => u.byEntity[a]!.length - u.byEntity[b]!.length || a - b);
  const lists = own.map((n) => u.byEntity[n]!);
  for (const list of lists) {
    if (list.length > POPULAR) popular.push({ list, next: 0 });
    else for (let j = 0; j < list.length && compared < COMPARISON_BUDGET; j++) consider(list[j]!);
  }
  for (let chunk = POPULAR; popular.length > 0 && compared < COMPARISON_BUDGET; chunk *= 2) {
    for (const p of popular) {
      const end = Math.min(p.list.length, p.next + chunk);
      for (; p.next < end && compared < COMPARISON_BUDGET; p.next++) consider(p.list[p.next]!);
    }
    let minSize = Number.POSITIVE_INFINITY;
    for (const p of popular) {
      if (p.next < p.list.length) minSize = Math.min(minSize, u.entitySets[p.list[p.next]!]!.length);
    }
    if (minSize === Number.POSITIVE_INFINITY) break;
    const weakest = top.weakest;
    if (weakest && weakest.weight > jaccardBound(sourceSize, popular.length, minSize)) break;
  }
  for (const n of own) u.entityMarks[n] = 0;
  return top.items;
}
