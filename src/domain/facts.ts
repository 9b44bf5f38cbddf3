import { collapseWhitespace, truncateAtWord } from './text.js';

export interface FactLimits {
  /** Sentences are grouped while a fact stays within this length. */
  targetChars: number;
  /** No fact is longer than this, even a single run-on sentence. */
  maxChars: number;
  /** Sentences with fewer words are fragments ("Ok.", "Meeting notes") and join a neighbour. */
  minWords: number;
}

export const DEFAULT_FACT_LIMITS: FactLimits = { targetChars: 400, maxChars: 2000, minWords: 3 };

const WORD = /[\p{L}\p{N}]/u;

function wordCount(sentence: string): number {
  let n = 0;
  for (const w of sentence.split(' ')) if (WORD.test(w)) n++;
  return n;
}

function splitOversized(sentence: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const piece = truncateAtWord(rest, maxChars);
    pieces.push(piece);
    rest = rest.slice(piece.length).trimStart();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

function mergeFragments(sentences: string[], limits: FactLimits): string[] {
  const out: string[] = [];
  let leading = '';
  for (const sentence of sentences) {
    const text = leading === '' ? sentence : `${leading} ${sentence}`;
    if (wordCount(text) < limits.minWords) {
      const prev = out.at(-1);
      if (prev !== undefined && prev.length + 1 + text.length <= limits.maxChars) {
        out[out.length - 1] = `${prev} ${text}`;
        leading = '';
      } else {
        leading = text;
      }
      continue;
    }
    out.push(text);
    leading = '';
  }
  if (leading !== '') out.push(leading);
  return out;
}

/**
 * Turns a document's sentences into facts: whitespace collapsed, fragments merged into a neighbour, and
 * consecutive sentences grouped up to `targetChars`, so a fact keeps enough context to stand alone.
 */
export function groupSentences(
  sentences: readonly string[],
  limits: FactLimits = DEFAULT_FACT_LIMITS,
): string[] {
  const cleaned = sentences.map(collapseWhitespace).filter((s) => s !== '');
  const merged = mergeFragments(cleaned, limits).flatMap((s) => splitOversized(s, limits.maxChars));
  const facts: string[] = [];
  let current = '';
  for (const sentence of merged) {
    if (current !== '' && current.length + 1 + sentence.length <= limits.targetChars) {
      current = `${current} ${sentence}`;
    } else {
      if (current !== '') facts.push(current);
      current = sentence;
    }
  }
  if (current !== '') facts.push(current);
  return facts;
}
