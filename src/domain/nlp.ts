import nlp from 'compromise';

/** The parts of a compromise term this project reads. */
export interface TaggedTerm {
  readonly text: string;
  readonly pre: string;
  readonly post: string;
  readonly normal: string;
  readonly tags: ReadonlySet<string>;
}

export type TermSentence = readonly TaggedTerm[];

// nlp.tokenize() has already run these.
const TOKENIZER_HOOKS = new Set(['alias', 'normal', 'machine', 'contractions']);
/**
 * The post-tagger's ~570 pattern rules cost as much as all other steps together, and phrase chunks
 * are unused. Lexicon and word-shape tagging already mark names (FirstName, Place, Organization,
 * ProperNoun); entities.ts covers what the rules would add for names (months, "X of Y"). Freezing and
 * typeahead only act on words added with nlp.addWords(…, true) or nlp.typeahead(), which nothing here uses.
 */
const SKIPPED_HOOKS = new Set(['postTagger', 'chunks', 'freeze', 'typeahead']);

const hooks = (nlp.world() as { hooks: string[] }).hooks.filter(
  (hook) => !TOKENIZER_HOOKS.has(hook) && !SKIPPED_HOOKS.has(hook),
);

/**
 * compromise's sentence splitter re-scans a growing sentence each time it refuses a break (after
 * "Corp.", "approx."), which is quadratic when a long text keeps doing so; it is therefore given
 * pieces of about this size, cut at line breaks or else at a likely sentence end.
 */
const PIECE_CHARS = 4000;
const LIKELY_SENTENCE_END = /[.!?]["'”’)\]]*\s+(?=["'“‘([]?\p{Lu})/gu;

export function splitIntoPieces(text: string): string[] {
  if (text.length <= PIECE_CHARS) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > PIECE_CHARS) {
    const window = text.slice(start + PIECE_CHARS / 2, start + PIECE_CHARS);
    let cut = window.lastIndexOf('\n') + 1;
    if (cut === 0) {
      for (const m of window.matchAll(LIKELY_SENTENCE_END)) cut = m.index + m[0].length;
    }
    if (cut === 0) cut = window.lastIndexOf(' ') + 1;
    const end = cut === 0 ? start + PIECE_CHARS : start + PIECE_CHARS / 2 + cut;
    pieces.push(text.slice(start, end));
    start = end;
  }
  pieces.push(text.slice(start));
  return pieces;
}

function parse(text: string, tag: boolean): TermSentence[] {
  return splitIntoPieces(text).flatMap((piece) => {
    const doc = nlp.tokenize(piece);
    if (tag) doc.compute(hooks);
    return doc.docs as unknown as TermSentence[];
  });
}

/** Sentences as compromise splits them, without part-of-speech tagging (cheap). */
export function splitSentenceTerms(text: string): TermSentence[] {
  return parse(text, false);
}

/** Sentences with compromise's lexicon and word-shape tags; one parse of the text. */
export function tagSentences(text: string): TermSentence[] {
  return parse(text, true);
}

export function sentenceText(terms: TermSentence): string {
  let out = '';
  for (const t of terms) out += t.pre + t.text + t.post;
  return out;
}
