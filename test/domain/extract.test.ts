import { describe, expect, it } from 'vitest';
import { extractDocument, extractEntities, extractFacts } from '../../src/domain/extract.js';

const PROJECT_NOTE = `Alice Johnson joined Acme Corp in Berlin last March. She leads the data platform team, which
builds the pipelines behind the billing system and the customer dashboards. Ok.

Dr. Bob Smith's team in Paris works with her on quarterly reporting, and they meet every second Tuesday to
review the numbers. The project, called Atlas, ships in the third quarter and costs about 2.5 million euros,
most of it for storage. Microsoft and Google were considered as vendors, but the team chose an in-house
approach because of latency concerns around the São Paulo and Zürich offices. In May, Alice presented the
results to the board of directors at the annual meeting in New York City. The board approved a second phase
that adds fraud detection, and hiring for it starts in the autumn. Until then the team keeps its weekly
release rhythm, with a short demo for the sales department every Friday afternoon. Support tickets about
the old dashboards are answered within two working days.`;

describe('extractFacts', () => {
  it('splits a ~1 KB document into a few facts of whole sentences, each at most ~400 characters', () => {
    const facts = extractFacts(PROJECT_NOTE);
    expect(PROJECT_NOTE.length).toBeGreaterThan(950);
    expect(facts.length).toBeGreaterThanOrEqual(2);
    expect(facts.length).toBeLessThanOrEqual(4);
    for (const fact of facts) {
      expect(fact.length).toBeLessThanOrEqual(400);
      expect(fact).toBe(fact.trim());
      expect(fact).not.toMatch(/\s{2,}|\n/);
    }
    expect(facts[0]).toMatch(/^Alice Johnson joined Acme Corp in Berlin last March\./);
    // Nothing is lost or reordered, apart from whitespace.
    expect(facts.join(' ')).toBe(PROJECT_NOTE.replace(/\s+/g, ' ').trim());
  });

  it('merges a fragment like "Ok." into its neighbour instead of making it a fact', () => {
    const facts = extractFacts('Ok. The deploy finished at noon without errors. Thanks!');
    expect(facts).toEqual(['Ok. The deploy finished at noon without errors. Thanks!']);
  });

  it('keeps a long sentence whole but never makes a fact longer than 2,000 characters', () => {
    const longSentence = `${Array.from({ length: 80 }, (_, i) => `item number ${i} was checked`).join(', ')}.`;
    expect(longSentence.length).toBeGreaterThan(2000);
    const facts = extractFacts(`The audit is done. ${longSentence} Everything passed.`);
    expect(facts.some((f) => f.length > 400)).toBe(true);
    for (const f of facts) expect(f.length).toBeLessThanOrEqual(2000);
    expect(facts.join(' ')).toContain('item number 79 was checked.');
  });

  it('keeps all of a long document without paragraph breaks', () => {
    const long = Array.from(
      { length: 400 },
      (_, i) => `Invoice ${i} from Globex Corp. was paid on time by the finance team in Dublin.`,
    ).join(' ');
    const facts = extractFacts(long);
    expect(facts.join(' ')).toBe(long);
    for (const f of facts) expect(f.length).toBeLessThanOrEqual(2000);
  });

  it('returns no facts for empty or blank text', () => {
    expect(extractFacts('')).toEqual([]);
    expect(extractFacts('  \n\t ')).toEqual([]);
    expect(extractDocument('   ').facts).toEqual([]);
  });
});

describe('extractEntities', () => {
  it('finds people, places and organizations with clean display names', () => {
    const entities = extractEntities(PROJECT_NOTE);
    const byName = new Map(entities.map((e) => [e.name, e]));
    expect(byName.get('Alice Johnson')?.kind).toBe('person');
    expect(byName.get('Bob Smith')?.kind).toBe('person');
    expect(byName.get('Acme Corp')?.kind).toBe('organization');
    expect(byName.get('Microsoft')?.kind).toBe('organization');
    expect(byName.get('Berlin')?.kind).toBe('place');
    expect(byName.get('New York City')?.kind).toBe('place');
    expect(byName.get('São Paulo')).toMatchObject({ kind: 'place', normalized: 'sao paulo' });
    expect(byName.get('Zürich')?.normalized).toBe('zurich');
    // Titles, possessives and months are not names.
    expect([...byName.keys()].some((n) => /Dr\b|'s$|^March$|^May$|^Tuesday$/.test(n))).toBe(false);
  });

  it('lists each entity once, under its full name, even where the text shortens it', () => {
    const entities = extractEntities(PROJECT_NOTE);
    const normalized = entities.map((e) => e.normalized);
    expect(new Set(normalized).size).toBe(normalized.length);
    expect(normalized).toContain('alice johnson');
    expect(normalized).not.toContain('alice');
  });

  it('drops one-letter names and numbers', () => {
    const entities = extractEntities('Room 4 B was booked by X for 2024. Project 42 belongs to Dana Scully.');
    for (const e of entities) {
      expect(e.name.length).toBeGreaterThan(1);
      expect(e.normalized).not.toMatch(/^[\d ]+$/);
    }
    expect(entities.map((e) => e.name)).toContain('Dana Scully');
  });

  it('is case- and accent-insensitive in the normalized form', () => {
    const [upper] = extractEntities('We flew to ZÜRICH on Friday.');
    const [plain] = extractEntities('We flew to Zurich on Friday.');
    expect(upper?.normalized).toBe('zurich');
    expect(plain?.normalized).toBe('zurich');
  });
});

describe('extractDocument', () => {
  it('attaches to each fact the entities it names, including short forms of a full name', () => {
    const { facts } = extractDocument(PROJECT_NOTE);
    const names = facts.map((f) => f.entities.map((e) => e.name));
    expect(names[0]).toEqual(expect.arrayContaining(['Alice Johnson', 'Acme Corp', 'Berlin']));
    const mayFact = facts.findIndex((f) => f.text.includes('In May, Alice presented'));
    expect(mayFact).toBeGreaterThan(0);
    expect(names[mayFact]).toContain('Alice Johnson');
    expect(names[mayFact]).toContain('New York City');
    for (const fact of facts) {
      for (const e of fact.entities) {
        const firstWord = e.normalized.split(' ')[0]!;
        expect(fact.text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()).toContain(firstWord);
      }
    }
  });

  it('agrees with extractFacts and extractEntities', () => {
    const doc = extractDocument(PROJECT_NOTE);
    expect(doc.facts.map((f) => f.text)).toEqual(extractFacts(PROJECT_NOTE));
    const fromFacts = new Set(doc.facts.flatMap((f) => f.entities.map((e) => e.normalized)));
    expect(fromFacts).toEqual(new Set(extractEntities(PROJECT_NOTE).map((e) => e.normalized)));
  });

  it('gives the same result every time', () => {
    expect(extractDocument(PROJECT_NOTE)).toEqual(extractDocument(PROJECT_NOTE));
  });
});
