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
  /** Term numbers, ascending. */
  terms: Int32Array;
  weights: Float64Array;
}

interface Hit {
  doc: number;
  score: number;
}

const EMPTY: Vector = { terms: new Int32Array(0), weights: new Float64Array(0) };

/** Slack for floating-point error in score bounds; scores themselves are rounded to 1e-9. */
const EPSILON = 1e-9;

/**
 * Terms in at most this many documents always generate candidates; more common terms only when the
 * minimum score requires it. With minScore 0 a pair sharing only common terms is therefore not
 * compared, which costs little: common terms carry little weight.
 */
function rareTermLimit(docCount: number): number {
  return Math.max(64, Math.ceil(4 * Math.sqrt(docCount)));
}

/** Documents whose terms are all common still look for partners through their rarest few. */
const FALLBACK_TERMS = 2;

/**
 * Exact scores computed per query at most. Only reached when very many documents look alike on the rare
 * terms and differ on the common ones (generated filler); the best of them by rare terms are kept.
 */
const SCORING_BUDGET = 1_000;

/** Scores are rounded so that ties do not hinge on the order of floating-point additions. */
function roundScore(score: number): number {
  return Math.min(1, Math.round(score * 1e9) / 1e9);
}

/** Higher score first, then lower document number (documents are numbered in id order). */
function beats(score: number, doc: number, other: Hit): boolean {
  return score > other.score || (score === other.score && doc < other.doc);
}

function byIdThenText(a: { id: string; text: string }, b: { id: string; text: string }): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function countTerms(tokens: string[], termIds: Map<string, number>): Map<number, number> {
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

/** Log-scaled term frequency times idf, L2-normalised over all `weighted` entries, kept for `keep`. */
function normalise(weighted: [term: number, weight: number, keep: boolean][]): Vector {
  let norm = 0;
  for (const [, w] of weighted) norm += w * w;
  const kept = weighted.filter(([, , keep]) => keep).sort((a, b) => a[0] - b[0]);
  if (norm === 0 || kept.length === 0) return EMPTY;
  const inv = 1 / Math.sqrt(norm);
  return { terms: Int32Array.from(kept, ([t]) => t), weights: Float64Array.from(kept, ([, w]) => w * inv) };
}

/**
 * TF-IDF vectors (log-scaled term frequency, smoothed idf, L2-normalised) over stemmed content words,
 * with an inverted index for candidate generation. Documents are numbered in id order, so results do
 * not depend on input order. Built once, queried many times; not safe for concurrent queries.
 */
export function buildSimilarityIndex(docs: readonly { id: string; text: string }[]): SimilarityIndex {
  const ids: string[] = [];
  const position = new Map<string, number>();
  const termIds = new Map<string, number>();
  const counts: Map<number, number>[] = [];
  for (const doc of [...docs].sort(byIdThenText)) {
    if (position.has(doc.id)) continue;
    position.set(doc.id, ids.length);
    ids.push(doc.id);
    counts.push(countTerms(tokenize(doc.text), termIds));
  }
  const n = ids.length;
  const termCount = termIds.size;
  const df = new Int32Array(termCount);
  for (const c of counts) for (const t of c.keys()) df[t]!++;
  const idf = (t: number | undefined): number => Math.log((n + 1) / ((t === undefined ? 0 : df[t]!) + 1)) + 1;
  const vectors = counts.map((c) =>
    normalise(
      [...c].map(([t, count]): [number, number, boolean] => [t, (1 + Math.log(count)) * idf(t), true]),
    ),
  );

  // Postings in compressed rows: the documents of term t are postingDocs[start[t] .. start[t + 1]).
  const start = new Int32Array(termCount + 1);
  for (let t = 0; t < termCount; t++) start[t + 1] = start[t]! + df[t]!;
  const fill = start.slice(0, termCount);
  const postingDocs = new Int32Array(start[termCount]!);
  const postingWeights = new Float64Array(postingDocs.length);
  const maxWeight = new Float64Array(termCount);
  vectors.forEach((v, doc) => {
    v.terms.forEach((t, i) => {
      const at = fill[t]!++;
      const w = v.weights[i]!;
      postingDocs[at] = doc;
      postingWeights[at] = w;
      if (w > maxWeight[t]!) maxWeight[t] = w;
    });
  });

  const rareLimit = rareTermLimit(n);
  // Scratch space reused by every query (and left zeroed after it).
  const partial = new Float64Array(n);
  const touched = new Int32Array(n);
  const dense = new Float64Array(termCount);

  /** Words the index has never seen match nothing, but still dilute the query as they would a document. */
  function vectorize(text: string): Vector {
    const tokenCounts = new Map<string, number>();
    for (const token of tokenize(text)) tokenCounts.set(token, (tokenCounts.get(token) ?? 0) + 1);
    return normalise(
      [...tokenCounts].map(([token, count]): [number, number, boolean] => {
        const t = termIds.get(token);
        return [t ?? -1, (1 + Math.log(count)) * idf(t), t !== undefined];
      }),
    );
  }

  /**
   * The query's terms by rarity, with a bound for each cut: what all terms from that rank on could add
   * to a cosine (at most their norm, and at most their heaviest weight in any document).
   */
  function planTerms(q: Vector): {
    byRarity: number[];
    boundFrom: (rank: number) => number;
    rareCut: number;
  } {
    const byRarity = Array.from(q.terms.keys()).sort((a, b) => df[q.terms[a]!]! - df[q.terms[b]!]! || a - b);
    const suffixNormSq = new Float64Array(byRarity.length + 1);
    const suffixMaxDot = new Float64Array(byRarity.length + 1);
    for (let r = byRarity.length - 1; r >= 0; r--) {
      const i = byRarity[r]!;
      suffixNormSq[r] = suffixNormSq[r + 1]! + q.weights[i]! ** 2;
      suffixMaxDot[r] = suffixMaxDot[r + 1]! + q.weights[i]! * maxWeight[q.terms[i]!]!;
    }
    const rareCut = byRarity.findIndex((i, rank) => rank >= FALLBACK_TERMS && df[q.terms[i]!]! > rareLimit);
    return {
      byRarity,
      boundFrom: (r) => Math.min(Math.sqrt(suffixNormSq[r]!), suffixMaxDot[r]!),
      rareCut: rareCut < 0 ? byRarity.length : rareCut,
    };
  }

  /** Adds the terms byRarity[from..to) to each candidate's partial cosine; returns the candidate count. */
  function accumulate(
    q: Vector,
    terms: number[],
    from: number,
    to: number,
    self: number,
    count: number,
  ): number {
    for (let r = from; r < to; r++) {
      const i = terms[r]!;
      const t = q.terms[i]!;
      const wq = q.weights[i]!;
      for (let p = start[t]!; p < start[t + 1]!; p++) {
        const doc = postingDocs[p]!;
        if (doc === self) continue;
        if (partial[doc] === 0) touched[count++] = doc;
        partial[doc]! += wq * postingWeights[p]!;
      }
    }
    return count;
  }

  /** A score the k-th hit will reach at least: the k-th best exact cosine among the best partials. */
  function probeFloor(count: number, k: number, minScore: number, accept?: (id: string) => boolean): number {
    const best: number[] = [];
    for (let j = 0; j < count; j++) {
      const doc = touched[j]!;
      if (best.length === k && partial[doc]! <= partial[best[k - 1]!]!) continue;
      let at = best.length;
      while (at > 0 && partial[doc]! > partial[best[at - 1]!]!) at--;
      best.splice(at, 0, doc);
      if (best.length > k) best.pop();
    }
    const scores = best
      .filter((doc) => !accept || accept(ids[doc]!))
      .map(cosine)
      .filter((score) => score >= minScore && score > 0);
    return scores.length === k ? Math.min(...scores) : minScore;
  }

  function cosine(doc: number): number {
    const v = vectors[doc]!;
    let score = 0;
    for (let i = 0; i < v.terms.length; i++) score += dense[v.terms[i]!]! * v.weights[i]!;
    return roundScore(score);
  }

  /**
   * Candidates come from the postings of the query's rarer terms. The common rest is left out only while
   * all of it together could not lift a document to the k-th best score (or minScore), so with
   * minScore > 0 no qualifying document is missed (short of the scoring budget); with minScore 0, terms
   * in many documents are skipped.
   */
  function query(
    q: Vector,
    self: number,
    k: number,
    minScore: number,
    accept?: (id: string) => boolean,
  ): Hit[] {
    if (k <= 0 || q.terms.length === 0) return [];
    for (let i = 0; i < q.terms.length; i++) dense[q.terms[i]!] = q.weights[i]!;
    const { byRarity, boundFrom, rareCut } = planTerms(q);
    let candidateCount = accumulate(q, byRarity, 0, rareCut, self, 0);
    let cut = rareCut;
    if (minScore > 0 && cut < byRarity.length && boundFrom(cut) >= minScore) {
      const target = probeFloor(candidateCount, k, minScore, accept);
      while (cut < byRarity.length && boundFrom(cut) >= target) cut++;
      candidateCount = accumulate(q, byRarity, rareCut, cut, self, candidateCount);
    }
    const commonBound = boundFrom(cut);
    // Only candidates that could still reach the k-th best score are ranked and scored exactly, best
    // partial first, until even the best remaining one cannot reach the floor.
    const reachable = Math.max(minScore, probeFloor(candidateCount, k, minScore, accept), Number.MIN_VALUE);
    const ranked: number[] = [];
    for (let j = 0; j < candidateCount; j++) {
      const doc = touched[j]!;
      if (partial[doc]! + commonBound + EPSILON >= reachable) ranked.push(doc);
    }
    ranked.sort((a, b) => partial[b]! - partial[a]! || a - b);
    const hits: Hit[] = [];
    let floor = Math.max(minScore, Number.MIN_VALUE);
    let scored = 0;
    for (const doc of ranked) {
      if (scored >= SCORING_BUDGET) break;
      const best = Math.min(1, partial[doc]! + commonBound + EPSILON);
      if (best < floor) break;
      const weakest = hits.length === k ? hits[k - 1]! : undefined;
      // A candidate that can at most tie the weakest hit only wins on a lower number.
      if (weakest && best <= floor + EPSILON && doc > weakest.doc) continue;
      if (accept && !accept(ids[doc]!)) continue;
      const score = cosine(doc);
      scored++;
      if (score < minScore || score <= 0 || (weakest && !beats(score, doc, weakest))) continue;
      let at = hits.length;
      while (at > 0 && beats(score, doc, hits[at - 1]!)) at--;
      hits.splice(at, 0, { doc, score });
      if (hits.length > k) hits.pop();
      if (hits.length === k) floor = Math.max(floor, hits[k - 1]!.score);
    }
    for (let j = 0; j < candidateCount; j++) partial[touched[j]!] = 0;
    for (const t of q.terms) dense[t] = 0;
    return hits;
  }

  const toResult = (hits: Hit[]): SimilarityHit[] => hits.map((h) => ({ id: ids[h.doc]!, score: h.score }));

  return {
    size: n,
    has: (id) => position.has(id),
    topSimilar(id, k, minScore, accept) {
      const doc = position.get(id);
      return doc === undefined ? [] : toResult(query(vectors[doc]!, doc, k, minScore, accept));
    },
    topSimilarToText(text, k, minScore, accept) {
      return toResult(query(vectorize(text), -1, k, minScore, accept));
    },
  };
}
