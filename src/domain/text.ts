const COMBINING_MARKS = /\p{M}+/gu;
const NON_WORD = /[^\p{L}\p{N}]+/gu;
const WHITESPACE = /\s+/g;

export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE, ' ').trim();
}

/**
 * Identity key for names and mention matching: case-, accent- and punctuation-insensitive, so
 * "Zürich", "ZURICH" and "Smith's" all compare on the letters alone ("zurich", "smith s").
 */
export function normalizeKey(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(NON_WORD, ' ').trim();
}

/** A normalized text prepared for repeated whole-word lookups with containsKey. */
export function keyHaystack(text: string): string {
  return ` ${normalizeKey(text)} `;
}

/** True when the normalized `key` occurs in the haystack on word boundaries. */
export function containsKey(haystack: string, key: string): boolean {
  return key !== '' && haystack.includes(` ${key} `);
}

/** Cuts at the last whitespace within `max` characters so words are never split. */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max);
  return (cut > max / 2 ? text.slice(0, cut) : text.slice(0, max)).trimEnd();
}

/** Words that end with a period without ending the sentence. */
const ABBREVIATIONS = new Set(
  `mr mrs ms dr prof sr jr st mt ft vs etc inc ltd co corp no vol fig approx dept est gen gov sen rep
  capt col lt sgt jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s a.m p.m`.split(/\s+/),
);

const SENTENCE_END = /[.!?…]+["'”’)\]]*\s+/gu;

/**
 * A light sentence splitter for short stored texts, where a full parse would be too costly: ends at
 * . ! ? followed by a space and a word that does not start in lowercase, skipping initials and
 * common abbreviations ("Dr.", "e.g.").
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const match of text.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    const next = text.charAt(end);
    if (next === '' || /\p{Ll}/u.test(next)) continue;
    if (match[0].startsWith('.') && match[0].trimEnd().length === 1) {
      const word = /([\p{L}.]+)$/u.exec(text.slice(start, match.index))?.[1] ?? '';
      if (ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word)) continue;
    }
    const sentence = text.slice(start, end).trim();
    if (sentence !== '') out.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest !== '') out.push(rest);
  return out;
}

const WRAPPED_LINE_MIN = 60;

/**
 * Rejoins hard-wrapped prose, since the sentence splitter takes every line break as a sentence end. A
 * break is kept where a line looks complete on its own (list items, headings, short lines ending a
 * thought) and blank lines always separate.
 */
export function unwrapLines(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let out = lines[0] ?? '';
  for (let i = 1; i < lines.length; i++) {
    const prev = (lines[i - 1] ?? '').trimEnd();
    const line = lines[i] ?? '';
    const next = line.trimStart();
    const continues =
      prev !== '' &&
      next !== '' &&
      !/^[-*•>#|]|^\d+[.)]\s/u.test(next) &&
      (/^[\p{Ll}\p{N}(]/u.test(next) ||
        /[,;(\-–—]$/u.test(prev) ||
        (prev.length >= WRAPPED_LINE_MIN && !/[.!?:]["'”’)\]]*$/u.test(prev)));
    out += (continues ? ' ' : '\n') + line;
  }
  return out;
}
