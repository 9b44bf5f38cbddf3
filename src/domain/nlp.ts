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

/** Sentences as compromise splits them, without part-of-speech tagging (cheap). */
export function splitSentenceTerms(text: string): TermSentence[] {
  return nlp.tokenize(text).docs as unknown as TermSentence[];
}

/** Sentences with compromise's lexicon and word-shape tags; one parse of the whole text. */
export function tagSentences(text: string): TermSentence[] {
  const doc = nlp.tokenize(text);
  doc.compute(hooks);
  return doc.docs as unknown as TermSentence[];
}

export function sentenceText(terms: TermSentence): string {
  let out = '';
  for (const t of terms) out += t.pre + t.text + t.post;
  return out;
}
