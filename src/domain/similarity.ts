import { tokenize } from './tokens.js';

export { tokenize } from './tokens.js';

export interface SimilarityHit {
  id: string;
  score: number;
}

export interface SimilarityIndex {
  readonly size: number;
  has(id: string): boolean;
  /**
   * The `k` documents most similar to document `id` (TF-IDF cosine), strongest first, ties by id;
   * never `id` itself; only scores >= minScore (and > 0). `accept` can restrict the candidates.
   */
  topSimilar(id: string, k: number, minScore: number, accept?: (id: string) => boolean): SimilarityHit[];
  /** As topSimilar, for a text that is not in the index (weighted with the index's statistics). */
  topSimilarToText(
    text: string,
    k: number,
    minScore: number,
    accept?: (id: string) => boolean,
  ): SimilarityHit[];
}

interface Vector {
  terms: Int32Array;
  weights: Float64Array;
}

const EMPTY: Vector = { terms: new Int32Array(0), weights: new Float64Array(0) };

/**
 * Terms in at most this many documents generate candidates. Pairs that share only more common terms
 * are not compared: their common terms carry little weight, so their cosine is low anyway.
 */
function rareTermLimit(docCount: number): number {
  return Math.max(64, Math.ceil(4 * Math.sqrt(docCount)));
}

/** Documents whose terms are all common still look for partners through their rarest few. */
const FALLBACK_TERMS = 2;

/** Scores are rounded so that ties do not hinge on the order of floating-point additions. */
function roundScore(score: number): number {
  return Math.min(1, Math.round(score * 1e9) / 1e9);
}

/** Ranking of hits: higher score first, then lower document number (= id order). */
function beats(score: number, d: number, other: { d: number; score: number }): boolean {
  return score > other.score || (score === other.score && d < other.d);
}

function termCounts(tokens: string[], termIds: Map<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const token of tokens) {
    let t = termIds.get(token);
    if (t === undefined) {
      t = termIds.size;
      termIds.set(token, t);
    }
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

function weigh(counts: Map<number, number>, idf: (term: number) => number): Vector {
  const terms = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const weights = new Float64Array(terms.length);
  let norm = 0;
  terms.forEach((t, i) => {
    const w = (1 + Math.log(counts.get(t)!)) * idf(t);
    weights[i] = w;
    norm += w * w;
  });
  if (norm === 0) return EMPTY;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < weights.length; i++) weights[i]! *= inv;
  return { terms, weights };
}

/** Max-heap of document numbers by accumulated partial score (ties: lower number first), built in place. */
class CandidateHeap {
  size: number;

  constructor(
    private readonly items: Int32Array,
    count: number,
    private readonly keys: Float64Array,
  ) {
    this.size = count;
    for (let i = (count >> 1) - 1; i >= 0; i--) this.down(i);
  }

  peek(): number {
    return this.items[0]!;
  }

  /** Moves the top behind the heap rather than dropping it, so `items` still lists every candidate. */
  pop(): void {
    this.size--;
    const top = this.items[0]!;
    this.items[0] = this.items[this.size]!;
    this.items[this.size] = top;
    this.down(0);
  }

  private before(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka > kb || (ka === kb && a < b);
  }

  private down(i: number): void {
    const { items } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < this.size && this.before(items[l]!, items[top]!)) top = l;
      if (r < this.size && this.before(items[r]!, items[top]!)) top = r;
      if (top === i) return;
      const tmp = items[i]!;
      items[i] = items[top]!;
      items[top] = tmp;
      i = top;
    }
  }
}

/**
 * TF-IDF vectors (log-scaled term frequency, smoothed idf, L2-normalised) over stemmed content words,
 * with an inverted index. Documents are ordered by id first, so results do not depend on input order.
 */
export function buildSimilarityIndex(docs: readonly { id: string; text: string }[]): SimilarityIndex {
  const sorted = [...docs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.text < b.text ? -1 : 1));
  const ids: string[] = [];
  const position = new Map<string, number>();
  const termIds = new Map<string, number>();
  const counts: Map<number, number>[] = [];
  for (const doc of sorted) {
    if (position.has(doc.id)) continue;
    position.set(doc.id, ids.length);
    ids.push(doc.id);
    counts.push(termCounts(tokenize(doc.text), termIds));
  }
  const n = ids.length;
  const df = new Int32Array(termIds.size);
  for (const c of counts) for (const t of c.keys()) df[t]!++;
  const idf = (t: number): number => Math.log((n + 1) / ((df[t] ?? 0) + 1)) + 1;
  const vectors = counts.map((c) => weigh(c, idf));

  // Postings in compressed rows: documents of term t are postingDocs[start[t] .. start[t + 1]).
  const start = new Int32Array(termIds.size + 1);
  for (let t = 0; t < df.length; t++) start[t + 1] = start[t]! + df[t]!;
  const fill = start.slice(0, termIds.size);
  const postingDocs = new Int32Array(start[termIds.size]!);
  const postingWeights = new Float64Array(postingDocs.length);
  vectors.forEach((v, d) => {
    v.terms.forEach((t, i) => {
      const at = fill[t]!++;
      postingDocs[at] = d;
      postingWeights[at] = v.weights[i]!;
    });
  });

  /** Words the index has never seen match nothing, but still dilute the query as they would a document. */
  function vectorizeQuery(text: string): Vector {
    const counts = new Map<string, number>();
    for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
    const unseenIdf = Math.log(n + 1) + 1;
    const known: [number, number][] = [];
    let norm = 0;
    for (const [token, count] of counts) {
      const t = termIds.get(token);
      const w = (1 + Math.log(count)) * (t === undefined ? unseenIdf : idf(t));
      norm += w * w;
      if (t !== undefined) known.push([t, w]);
    }
    if (known.length === 0) return EMPTY;
    known.sort((a, b) => a[0] - b[0]);
    const inv = 1 / Math.sqrt(norm);
    return {
      terms: Int32Array.from(known, ([t]) => t),
      weights: Float64Array.from(known, ([, w]) => w * inv),
    };
  }

  const rareLimit = rareTermLimit(n);
  const maxWeight = new Float64Array(termIds.size);
  for (const v of vectors) v.terms.forEach((t, i) => (maxWeight[t] = Math.max(maxWeight[t]!, v.weights[i]!)));
  const partial = new Float64Array(n);
  const dense = new Float64Array(termIds.size);
  const touched = new Int32Array(n);

  function query(
    q: Vector,
    self: number,
    k: number,
    minScore: number,
    accept?: (id: string) => boolean,
  ): SimilarityHit[] {
    if (k <= 0 || q.terms.length === 0) return [];
    // Candidates come from the postings of the query's rarer terms ("generators"). The most common terms
    // are left out only as long as all of them together could not lift a document to minScore (their
    // share of the cosine is bounded by their norm, and by their heaviest weight in any document), so
    // no document reaching minScore is missed; with minScore 0, terms in many documents are left out.
    const byRarity = Array.from(q.terms.keys()).sort((a, b) => df[q.terms[a]!]! - df[q.terms[b]!]! || a - b);
    let firstCommon = byRarity.findIndex((i, rank) => rank >= FALLBACK_TERMS && df[q.terms[i]!]! > rareLimit);
    if (firstCommon < 0) firstCommon = byRarity.length;
    const suffixNormSq = new Float64Array(byRarity.length + 1);
    const suffixMaxDot = new Float64Array(byRarity.length + 1);
    for (let r = byRarity.length - 1; r >= 0; r--) {
      const i = byRarity[r]!;
      suffixNormSq[r] = suffixNormSq[r + 1]! + q.weights[i]! ** 2;
      suffixMaxDot[r] = suffixMaxDot[r + 1]! + q.weights[i]! * maxWeight[q.terms[i]!]!;
    }
    const commonBoundFrom = (r: number): number => Math.min(Math.sqrt(suffixNormSq[r]!), suffixMaxDot[r]!);
    while (firstCommon < byRarity.length && minScore > 0 && commonBoundFrom(firstCommon) >= minScore)
      firstCommon++;
    const generators = byRarity.slice(0, firstCommon);
    for (let i = 0; i < q.terms.length; i++) dense[q.terms[i]!] = q.weights[i]!;
    let touchedCount = 0;
    for (const i of generators) {
      const t = q.terms[i]!;
      const wq = q.weights[i]!;
      for (let p = start[t]!; p < start[t + 1]!; p++) {
        const d = postingDocs[p]!;
        if (d === self) continue;
        if (partial[d] === 0) touched[touchedCount++] = d;
        partial[d]! += wq * postingWeights[p]!;
      }
    }
    const heap = new CandidateHeap(touched, touchedCount, partial);
    const commonBound = commonBoundFrom(firstCommon);
    const hits: { d: number; score: number }[] = [];
    let floor = Math.max(minScore, Number.MIN_VALUE);
    while (heap.size > 0) {
      const d = heap.peek();
      const best = Math.min(1, partial[d]! + commonBound + 1e-12);
      if (best < floor) break;
      heap.pop();
      // With k hits in hand, a candidate that can at most tie the weakest one only wins on a smaller id.
      if (hits.length === k && best <= floor + 1e-9 && d > hits[k - 1]!.d) continue;
      if (accept && !accept(ids[d]!)) continue;
      const v = vectors[d]!;
      let score = 0;
      for (let i = 0; i < v.terms.length; i++) score += dense[v.terms[i]!]! * v.weights[i]!;
      score = roundScore(score);
      if (score < minScore || score <= 0) continue;
      if (hits.length === k && !beats(score, d, hits[k - 1]!)) continue;
      let at = hits.length;
      while (at > 0 && beats(score, d, hits[at - 1]!)) at--;
      hits.splice(at, 0, { d, score });
      if (hits.length > k) hits.pop();
      if (hits.length === k) floor = Math.max(floor, hits[k - 1]!.score);
    }
    for (let j = 0; j < touchedCount; j++) partial[touched[j]!] = 0;
    for (let i = 0; i < q.terms.length; i++) dense[q.terms[i]!] = 0;
    return hits.map((h) => ({ id: ids[h.d]!, score: h.score }));
  }

  return {
    size: n,
    has: (id) => position.has(id),
    topSimilar(id, k, minScore, accept) {
      const d = position.get(id);
      if (d === undefined) return [];
      return query(vectors[d]!, d, k, minScore, accept);
    },
    topSimilarToText(text, k, minScore, accept) {
      return query(vectorizeQuery(text), -1, k, minScore, accept);
    },
  };
}
