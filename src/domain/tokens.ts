import { normalizeKey } from './text.js';

/** Common English function words; they carry no topic and would make every text look alike. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be because been before being below
  between both but by can could did do does doing down during each either else ever every few for from
  further had has have having he her here hers herself him himself his how however i if in into is it its
  itself just let like may me might more most much must my myself neither no nor not now of off on once
  only or other ought our ours ourselves out over own per quite rather same shall she should so some such
  than that the their theirs them themselves then there these they this those though through thus to too
  under until up upon us very via was we were what when where whether which while who whom whose why will
  with within without would yet you your yours yourself yourselves s t d ll m re ve don didn doesn isn
  wasn weren aren hasn haven hadn won wouldn shouldn couldn cannot`
    .split(/\s+/)
    .filter(Boolean),
);

const VOWEL = /[aeiouy]/;
const KEEP_DOUBLE = new Set(['l', 's', 'z']);

function undouble(stem: string): string {
  const n = stem.length;
  const last = stem[n - 1];
  if (n > 3 && last === stem[n - 2] && last !== undefined && !KEEP_DOUBLE.has(last) && !VOWEL.test(last)) {
    return stem.slice(0, -1);
  }
  return stem;
}

function dropSuffix(word: string, suffix: string, minStem: number): string | null {
  if (!word.endsWith(suffix)) return null;
  const stem = word.slice(0, -suffix.length);
  return stem.length >= minStem && VOWEL.test(stem) ? stem : null;
}

/**
 * A light suffix stripper: enough to let "ships", "shipped" and "shipping" meet, without the
 * over-eager conflations of a full Porter stemmer. Stems need not be words, only consistent.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:x|ch|sh|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);

  const ing = dropSuffix(w, 'ing', 3);
  const ed = ing === null ? dropSuffix(w, 'ed', 3) : null;
  if (ing !== null) w = undouble(ing);
  else if (ed !== null) w = undouble(ed);
  else {
    const ly = dropSuffix(w, 'ly', 4);
    if (ly !== null) w = ly;
  }
  while (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  if (w.endsWith('i') && w.length > 3) w = `${w.slice(0, -1)}y`;
  return w;
}

/** Content words of a text, lowercased, accent-free and stemmed, in text order (repeats kept). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of normalizeKey(text).split(' ')) {
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}
