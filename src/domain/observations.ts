import { isGenericNameWord } from './entities.js';
import {
  collapseWhitespace,
  containsKey,
  keyHaystack,
  normalizeKey,
  splitSentences,
  truncateAtWord,
} from './text.js';
import { tokenize } from './tokens.js';

export interface ObservationMemory {
  id: string;
  text: string;
  createdAt: Date;
}

export interface ObservationOptions {
  maxFacts?: number;
  maxChars?: number;
}

export interface Observation {
  text: string;
  memoryIds: string[];
}

const DEFAULT_MAX_FACTS = 5;
const DEFAULT_MAX_CHARS = 600;
/** Sentences this alike (token Jaccard) say the same thing; only the better one is kept. */
const DUPLICATE_JACCARD = 0.8;

interface Candidate {
  memoryId: string;
  time: number;
  sentenceIndex: number;
  text: string;
  /** Stemmed content words other than the entity's own name. */
  words: Set<string>;
  score: number;
}

/** How a memory may refer to the entity: its full name, or a distinctive first or last name word. */
function mentionMatcher(name: string): (sentence: string) => boolean {
  const key = normalizeKey(name);
  const words = key.split(' ');
  const partial =
    words.length > 1
      ? [words[0]!, words.at(-1)!].filter((w) => w.length >= 3 && !isGenericNameWord(w) && !/^\d+$/.test(w))
      : [];
  return (sentence) => {
    if (containsKey(keyHaystack(sentence), key)) return true;
    if (partial.length === 0) return false;
    // A lone "Alice" counts only when written as a name, with a capital.
    for (const word of sentence.match(/\p{Lu}[\p{L}\p{M}]*/gu) ?? []) {
      if (partial.includes(normalizeKey(word))) return true;
    }
    return false;
  };
}

function asSentence(text: string): string {
  const s = collapseWhitespace(text);
  return /[.!?…]["'”’)\]]*$/u.test(s) ? s : `${s}.`;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

function collectCandidates(name: string, memories: readonly ObservationMemory[]): Candidate[] {
  const mentions = mentionMatcher(name);
  const nameWords = new Set(tokenize(name));
  const seen = new Set<string>();
  const unique = [...memories]
    .filter((m) => !seen.has(m.id) && seen.add(m.id) !== undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const candidates: Candidate[] = [];
  for (const memory of unique) {
    splitSentences(memory.text).forEach((sentence, sentenceIndex) => {
      if (!mentions(sentence)) return;
      const words = new Set(tokenize(sentence).filter((w) => !nameWords.has(w)));
      candidates.push({
        memoryId: memory.id,
        time: memory.createdAt.getTime(),
        sentenceIndex,
        text: asSentence(sentence),
        words,
        score: 0,
      });
    });
  }
  return candidates;
}

/**
 * Informativeness: the summed rarity (idf among the entity's sentences) of a sentence's distinct words,
 * over the square root of their number, so detail counts but padding does not.
 */
function score(candidates: Candidate[]): void {
  const df = new Map<string, number>();
  for (const c of candidates) for (const w of c.words) df.set(w, (df.get(w) ?? 0) + 1);
  const n = candidates.length;
  for (const c of candidates) {
    let sum = 0;
    for (const w of c.words) sum += Math.log(1 + n / df.get(w)!);
    c.score = c.words.size === 0 ? 0 : Math.round((sum / Math.sqrt(c.words.size)) * 1e9) / 1e9;
  }
}

function byRank(a: Candidate, b: Candidate): number {
  return (
    b.score - a.score ||
    b.time - a.time ||
    (a.memoryId < b.memoryId ? -1 : a.memoryId > b.memoryId ? 1 : 0) ||
    a.sentenceIndex - b.sentenceIndex
  );
}

function byTime(a: Candidate, b: Candidate): number {
  return (
    a.time - b.time ||
    (a.memoryId < b.memoryId ? -1 : a.memoryId > b.memoryId ? 1 : 0) ||
    a.sentenceIndex - b.sentenceIndex
  );
}

/**
 * A short summary of what the memories say about an entity: the most informative sentences that mention
 * it, near-duplicates dropped, within `maxFacts` sentences and `maxChars` characters, told in the order
 * they were remembered, plus the memories cited. Null when no memory mentions the entity. The result
 * depends only on the set of memories, not on their order.
 */
export function synthesizeObservation(
  entity: { name: string },
  memories: readonly ObservationMemory[],
  opts: ObservationOptions = {},
): Observation | null {
  const name = collapseWhitespace(entity.name);
  if (normalizeKey(name) === '') return null;
  const maxFacts = Math.max(1, opts.maxFacts ?? DEFAULT_MAX_FACTS);
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const candidates = collectCandidates(name, memories);
  if (candidates.length === 0) return null;
  score(candidates);
  candidates.sort(byRank);

  const prefix = `${name}: `;
  const chosen: Candidate[] = [];
  let length = prefix.length - 1;
  for (const c of candidates) {
    if (chosen.length >= maxFacts) break;
    if (length + 1 + c.text.length > maxChars) continue;
    if (chosen.some((k) => k.text === c.text || jaccard(k.words, c.words) >= DUPLICATE_JACCARD)) continue;
    chosen.push(c);
    length += 1 + c.text.length;
  }
  if (chosen.length === 0) {
    // Even the best sentence is too long: keep its beginning.
    const best = candidates[0]!;
    const room = Math.max(1, maxChars - prefix.length - 1);
    chosen.push({ ...best, text: `${truncateAtWord(best.text, room)}…` });
  }
  chosen.sort(byTime);
  return {
    text: prefix + chosen.map((c) => c.text).join(' '),
    memoryIds: [...new Set(chosen.map((c) => c.memoryId))],
  };
}
