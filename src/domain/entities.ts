import type { TaggedTerm, TermSentence } from './nlp.js';
import { collapseWhitespace, normalizeKey } from './text.js';
import { STOPWORDS } from './tokens.js';

export type EntityKind = 'person' | 'place' | 'organization' | 'thing';

export interface ExtractedEntity {
  name: string;
  normalized: string;
  kind: EntityKind;
}

/** An entity with every normalized form it was written as in the document (full name first). */
export interface RecognizedEntity extends ExtractedEntity {
  keys: string[];
}

const SPECIFIC_KINDS: readonly EntityKind[] = ['organization', 'person', 'place'];

/** Lowercase words allowed inside a name: "University of Toronto", "Ludwig van Beethoven". */
const CONNECTORS = new Set([
  'of',
  'for',
  'de',
  'del',
  'della',
  'der',
  'den',
  'van',
  'von',
  'da',
  'di',
  'du',
  'la',
  'le',
]);

/** A last word that makes a name an organization whatever the tagger thought of its first words. */
const ORGANIZATION_HEADS = new Set(
  `inc corp corporation co company ltd llc plc gmbh ag group holdings university college institute school
  academy hospital clinic bank foundation association agency department ministry council committee party
  museum club labs laboratories systems technologies partners`.split(/\s+/),
);

/** Tags that rule out the unknown capitalized first word of a sentence being the start of a name. */
const NOT_A_NAME_START = [
  'Honorific',
  'Pronoun',
  'Determiner',
  'Verb',
  'Adjective',
  'Adverb',
  'Preposition',
  'Conjunction',
  'QuestionWord',
  'Date',
  'Value',
];

/** Titles before a name are not part of it: "President Joe Biden" is "Joe Biden". */
const TITLES = new Set(
  `mr mrs ms miss mx dr prof professor sir dame lord lady president vice senator governor mayor judge
  justice chancellor minister secretary captain general colonel sergeant officer detective king queen
  prince princess pope reverend father sister brother uncle aunt saint st ceo cto cfo`.split(/\s+/),
);

/** Month and day names the tagger leaves as plain proper nouns ("last March", "In May,"). */
const CALENDAR_WORDS = new Set(
  `january february march april may june july august september october november december jan feb mar
  apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday`.split(/\s+/),
);

const UPPER_FIRST = /^\p{Lu}/u;
const POSSESSIVE = /['’]s?$/u;
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;

/** Name words too common to stand for the whole name ("New" York City, Acme "Corp", "Mount" Hood). */
const GENERIC_NAME_WORDS = new Set(
  `new old north south east west upper lower great little san santa los las el la le city town county
  state states united river lake mount mountain bay island port fort saint national international royal
  central general first the`.split(/\s+/),
);

export function isGenericNameWord(word: string): boolean {
  return (
    GENERIC_NAME_WORDS.has(word) || ORGANIZATION_HEADS.has(word) || TITLES.has(word) || STOPWORDS.has(word)
  );
}

function termKind(term: TaggedTerm): EntityKind | null {
  const { tags, text } = term;
  const upperFirst = UPPER_FIRST.test(text);
  // "iPhone", "eBay", "SpaceX": inner capitals mark a name even where the tagger saw a common noun.
  const mixed = upperFirst ? LOWER.test(text) && UPPER.test(text.slice(1)) : UPPER.test(text);
  if (!upperFirst && !mixed) return null;
  if (tags.has('Date') || tags.has('Honorific') || tags.has('Pronoun') || tags.has('Determiner')) return null;
  if (tags.has('Person')) return 'person';
  if (tags.has('Organization')) return 'organization';
  if (tags.has('Place')) return 'place';
  if (CALENDAR_WORDS.has(term.normal.replace(/\.$/, ''))) return null;
  if (tags.has('ProperNoun') || tags.has('Acronym') || mixed) return 'thing';
  return null;
}

/** "Elon" in "Elon Musk announced…": unknown to the tagger only because it starts the sentence. */
function isUnknownNameStart(term: TaggedTerm): boolean {
  return (
    UPPER_FIRST.test(term.text) &&
    term.tags.has('Noun') &&
    !NOT_A_NAME_START.some((tag) => term.tags.has(tag))
  );
}

function classify(terms: TermSentence): (EntityKind | null)[] {
  const kinds = terms.map(termKind);
  const first = terms[0];
  const second = kinds[1];
  if (
    first &&
    kinds[0] === null &&
    (second === 'person' || second === 'thing') &&
    isUnknownNameStart(first)
  ) {
    if (!endsName(first) && !startsAfterPunctuation(terms[1])) kinds[0] = second;
  }
  return kinds;
}

function continuesOverPeriod(term: TaggedTerm): boolean {
  return term.tags.has('Abbreviation') || /^\p{Lu}$/u.test(term.text);
}

/** Punctuation after a word ends a name ("Tim Cook, said"), except hyphens and initials ("J. K."). */
function endsName(term: TaggedTerm): boolean {
  if (POSSESSIVE.test(term.text)) return true;
  const post = term.post.trim();
  if (post === '' || post === '-') return false;
  return !(post === '.' && continuesOverPeriod(term));
}

function startsAfterPunctuation(term: TaggedTerm | undefined): boolean {
  return term !== undefined && term.pre.trim() !== '';
}

function compatible(a: EntityKind, b: EntityKind): boolean {
  return a === b || a === 'thing' || b === 'thing';
}

function connectorJoins(left: TaggedTerm, leftKind: EntityKind, rightKind: EntityKind): boolean {
  if (leftKind === rightKind || leftKind === 'organization' || rightKind === 'organization') return true;
  return ORGANIZATION_HEADS.has(left.normal);
}

/** The names in a sentence, each as the positions of its words (connectors included, titles not). */
function findRuns(terms: TermSentence, kinds: (EntityKind | null)[]): number[][] {
  const runs: number[][] = [];
  let i = 0;
  while (i < terms.length) {
    const kind = kinds[i];
    if (!kind) {
      i++;
      continue;
    }
    const run = [i];
    let runKind = kind;
    let j = i;
    for (;;) {
      const here = terms[j]!;
      if (endsName(here)) break;
      const next = j + 1;
      const nextKind = kinds[next];
      if (nextKind && compatible(runKind, nextKind) && !startsAfterPunctuation(terms[next])) {
        run.push(next);
        if (runKind === 'thing') runKind = nextKind;
        j = next;
        continue;
      }
      const connector = terms[next];
      const afterKind = kinds[next + 1];
      const hereKind = kinds[j];
      if (
        connector &&
        afterKind &&
        hereKind &&
        CONNECTORS.has(connector.normal) &&
        connector.text === connector.normal &&
        !endsName(connector) &&
        !startsAfterPunctuation(connector) &&
        !startsAfterPunctuation(terms[next + 1]) &&
        connectorJoins(here, hereKind, afterKind)
      ) {
        run.push(next, next + 1);
        j = next + 1;
        continue;
      }
      break;
    }
    while (run.length > 1 && TITLES.has(terms[run[0]!]!.normal.replace(/\.$/, ''))) run.shift();
    if (!(run.length === 1 && TITLES.has(terms[run[0]!]!.normal.replace(/\.$/, '')))) runs.push(run);
    i = j + 1;
  }
  return runs;
}

function displayName(terms: TermSentence, run: number[]): string {
  let out = '';
  run.forEach((index, n) => {
    const term = terms[index]!;
    if (n === run.length - 1) {
      out += term.text.replace(POSSESSIVE, '');
      return;
    }
    const post = term.post.trim();
    out += term.text + (post === '-' ? '-' : post === '.' ? '. ' : ' ');
  });
  return collapseWhitespace(out).replace(EDGE_PUNCTUATION, '');
}

function runKind(kinds: (EntityKind | null)[], run: number[], normalized: string): EntityKind {
  const words = normalized.split(' ');
  const head = words.at(-1) ?? '';
  if (run.length > 1 && (ORGANIZATION_HEADS.has(head) || ORGANIZATION_HEADS.has(words[0] ?? ''))) {
    return 'organization';
  }
  let best: EntityKind = 'thing';
  let bestCount = 0;
  for (const kind of SPECIFIC_KINDS) {
    const count = run.filter((i) => kinds[i] === kind).length;
    if (count > bestCount) {
      best = kind;
      bestCount = count;
    }
  }
  return best;
}

function isUsableName(name: string, normalized: string): boolean {
  if (name.length < 2 || normalized.replace(/ /g, '').length < 2) return false;
  if (/^[\d ]+$/.test(normalized)) return false;
  return !STOPWORDS.has(normalized);
}

/** A lone "Alice" or "Johnson" next to "Alice Johnson" in the same document is the same entity. */
function mergeShortForms(entities: RecognizedEntity[]): RecognizedEntity[] {
  const multi = entities.filter((e) => e.normalized.includes(' '));
  const absorbed = new Set<RecognizedEntity>();
  for (const single of entities) {
    if (single.normalized.includes(' ')) continue;
    const owners = multi.filter((m) => {
      if (m.kind !== single.kind && single.kind !== 'thing') return false;
      const words = m.normalized.split(' ');
      return words[0] === single.normalized || (m.kind === 'person' && words.at(-1) === single.normalized);
    });
    const owner = owners[0];
    if (owners.length === 1 && owner) {
      owner.keys.push(single.normalized);
      absorbed.add(single);
    }
  }
  return entities.filter((e) => !absorbed.has(e));
}

/**
 * Names of people, places, organizations and other proper nouns, from compromise's tags, in order of
 * first mention and once per normalized name. A specific kind beats "thing" for the same name.
 */
export function recognizeEntities(sentences: readonly TermSentence[]): RecognizedEntity[] {
  const byKey = new Map<string, RecognizedEntity>();
  for (const terms of sentences) {
    const kinds = classify(terms);
    for (const run of findRuns(terms, kinds)) {
      const name = displayName(terms, run);
      const normalized = normalizeKey(name);
      if (!isUsableName(name, normalized)) continue;
      const kind = runKind(kinds, run, normalized);
      const known = byKey.get(normalized);
      if (!known) byKey.set(normalized, { name, normalized, kind, keys: [normalized] });
      else if (known.kind === 'thing' && kind !== 'thing') known.kind = kind;
    }
  }
  return mergeShortForms([...byKey.values()]);
}
