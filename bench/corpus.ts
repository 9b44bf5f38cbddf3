/**
 * Deterministic documents of about 1 KB: short reports that name people, places, organisations and dates,
 * the kind of text the extractor is built for. The same seed always gives the same documents.
 */

/** Comma-separated words or phrases, over as many lines as it takes. */
const list = (text: string) => text.split(',').map((s) => s.trim());

const FIRST =
  list(`Alice, Bob, Carla, David, Elena, Farid, Grace, Hiro, Ingrid, Jamal, Keiko, Luis, Maya, Noah,
  Olga, Priya, Quentin, Rosa, Samuel, Tariq, Uma, Victor, Wen, Yusuf`);
const LAST = list(`Johnson, Martinez, Nguyen, Okafor, Rossi, Haddad, Kim, Tanaka, Larsen, Bello, Silva, Novak,
  Fischer, Dubois, Mensah, Kowalski, Ahmed, Olsen, Moreau, Petrov, Costa, Ito`);
const PLACES =
  list(`Paris, Tokyo, Nairobi, Lima, Oslo, Berlin, Toronto, Lagos, Madrid, Seoul, Cairo, Lisbon, Denver,
  Mumbai, Sydney, Dublin, Chicago, Vienna, Istanbul, Santiago`);
const ORGS = list(`Acme Corporation, Globex, Initech, Umbrella Health, Stark Industries, Wayne Enterprises,
  Northwind Traders, Contoso Bank, Blue River Logistics, Helios Energy, Pinecrest University, the Red Cross,
  Vertex Labs, Orion Shipping, Summit Insurance, the World Bank`);
const MONTHS = list(`January, February, March, April, May, June, July, August, September, October, November,
  December`);
const TOPICS = list(`the supply contract, the new product line, the hiring plan, the data migration,
  the quarterly budget, the safety audit, the marketing campaign, the research grant, the office move,
  the pricing review`);

type Pick = <T>(list: readonly T[]) => T;

const TEMPLATES: ((p: Pick, n: () => number) => string)[] = [
  (p) => `${p(FIRST)} ${p(LAST)} moved from ${p(PLACES)} to ${p(PLACES)} in ${p(MONTHS)} to join ${p(ORGS)}.`,
  (p, n) => `${p(ORGS)} signed ${p(TOPICS)} with ${p(ORGS)} worth ${n()} thousand dollars.`,
  (p) => `${p(FIRST)} met ${p(FIRST)} ${p(LAST)} in ${p(PLACES)} to discuss ${p(TOPICS)}.`,
  (p, n) =>
    `On ${p(MONTHS)} ${1 + (n() % 28)}, ${p(FIRST)} ${p(LAST)} presented ${p(TOPICS)} to the board of ${p(ORGS)}.`,
  (p) => `${p(FIRST)} thinks ${p(TOPICS)} will be late because the team in ${p(PLACES)} is short of people.`,
  (p, n) =>
    `The office of ${p(ORGS)} in ${p(PLACES)} now has ${n()} employees and a new director, ${p(FIRST)} ${p(LAST)}.`,
  (p) =>
    `${p(FIRST)} ${p(LAST)} prefers working from ${p(PLACES)} and travels to ${p(PLACES)} every ${p(MONTHS)}.`,
  (p, n) => `After ${n()} days of talks, ${p(ORGS)} agreed that ${p(FIRST)} would lead ${p(TOPICS)}.`,
  (p) => `${p(FIRST)} said that ${p(ORGS)} should open a branch in ${p(PLACES)} before ${p(MONTHS)}.`,
  (p) =>
    `The meeting in ${p(PLACES)} ended early, so ${p(FIRST)} ${p(LAST)} flew back to ${p(PLACES)} the same evening.`,
];

/** mulberry32: a tiny seeded generator, good enough to vary text. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Document {
  content: string;
  document_id: string;
  context: string;
}

/** Document number `index` of the corpus with this seed: sentences until it reaches about 1 KB. */
export function makeDocument(index: number, seed = 1): Document {
  const random = generator(seed * 1_000_003 + index);
  const pick: Pick = (list) => list[Math.floor(random() * list.length)]!;
  const number = () => 2 + Math.floor(random() * 500);
  const sentences: string[] = [];
  let length = 0;
  while (length < 1000) {
    const sentence = pick(TEMPLATES)(pick, number);
    sentences.push(sentence);
    length += sentence.length + 1;
  }
  return { content: sentences.join(' '), document_id: `doc-${seed}-${index}`, context: 'weekly report' };
}

export function makeDocuments(count: number, seed = 1): Document[] {
  return Array.from({ length: count }, (_, i) => makeDocument(i, seed));
}
