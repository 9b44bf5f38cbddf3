import { describe, expect, it } from 'vitest';
import { computeLinks, type Link, type MemoryForLinking } from '../../src/domain/links.js';

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2024, 2, 15, 9, 0, 0);

function memory(id: string, text: string, extra: Partial<MemoryForLinking> = {}): MemoryForLinking {
  return { id, text, documentId: null, occurredAt: null, createdAt: new Date(T0), entityIds: [], ...extra };
}

const OPTIONS = { maxPerKind: 5, similarityThreshold: 0.3, temporalWindowMs: HOUR };
const kinds = (links: Link[], kind: Link['kind']) => links.filter((l) => l.kind === kind);

describe('computeLinks', () => {
  it('links paraphrases that share rare words, and not unrelated memories', () => {
    const universe = [
      memory('a', 'The billing service deployment failed because the Postgres migration timed out.', {
        createdAt: new Date(T0 - 100 * HOUR),
      }),
      memory('b', 'Deploying the billing service failed: a Postgres migration timed out again.', {
        createdAt: new Date(T0 - 50 * HOUR),
      }),
      memory('c', 'Grandma planted tomatoes and basil in the garden this spring.', {
        createdAt: new Date(T0),
      }),
    ];
    const links = computeLinks([universe[0]!], universe, OPTIONS);
    expect(kinds(links, 'similarity')).toEqual([
      { sourceId: 'a', targetId: 'b', kind: 'similarity', weight: expect.any(Number) },
    ]);
    expect(kinds(links, 'similarity')[0]!.weight).toBeGreaterThanOrEqual(0.3);
    expect(kinds(links, 'temporal')).toEqual([]);
  });

  it('weights entity links by the overlap of entity sets (Jaccard)', () => {
    const universe = [
      memory('src', 'Alice and Bob met at Acme.', { entityIds: ['alice', 'bob', 'acme'] }),
      memory('same', 'Alice and Bob presented at Acme.', { entityIds: ['alice', 'bob', 'acme'] }),
      memory('half', 'Alice visited Acme.', { entityIds: ['alice', 'acme'] }),
      memory('one', 'Bob went hiking with Carol.', { entityIds: ['bob', 'carol'] }),
      memory('none', 'The weather was fine.', { entityIds: ['weather'] }),
    ];
    const links = kinds(
      computeLinks([universe[0]!], universe, { ...OPTIONS, temporalWindowMs: 0 }),
      'entity',
    );
    expect(links.map((l) => [l.targetId, l.weight])).toEqual([
      ['same', 1],
      ['half', 2 / 3],
      ['one', 1 / 4],
    ]);
  });

  it('keeps at most maxPerKind links per kind, strongest first, ties broken by id', () => {
    const universe = [
      memory('src', 'Release planning with Dana.', { entityIds: ['dana'] }),
      ...['m5', 'm3', 'm1', 'm4', 'm2'].map((id) =>
        memory(id, `Note ${id} about Dana.`, { entityIds: ['dana'] }),
      ),
      memory('m0', 'Dana and Eve.', { entityIds: ['dana', 'eve'] }),
    ];
    const links = kinds(computeLinks([universe[0]!], universe, { ...OPTIONS, maxPerKind: 3 }), 'entity');
    expect(links.map((l) => l.targetId)).toEqual(['m1', 'm2', 'm3']);
    const temporal = kinds(computeLinks([universe[0]!], universe, { ...OPTIONS, maxPerKind: 3 }), 'temporal');
    expect(temporal).toHaveLength(3);
  });

  it('links neighbours of the same document and memories close in time, nearer ones stronger', () => {
    const universe = [
      memory('d1', 'First part of the report.', {
        documentId: 'report',
        position: 0,
        createdAt: new Date(T0 - 30 * HOUR),
      }),
      memory('d2', 'Second part of the report.', {
        documentId: 'report',
        position: 1,
        createdAt: new Date(T0 - 30 * HOUR),
      }),
      memory('d3', 'Third part of the report.', {
        documentId: 'report',
        position: 2,
        createdAt: new Date(T0 - 30 * HOUR),
      }),
      memory('near', 'Coffee with the team.', { occurredAt: new Date(T0 - 30 * HOUR + 5 * 60 * 1000) }),
      memory('far', 'Lunch with a customer.', { occurredAt: new Date(T0 - 30 * HOUR + 50 * 60 * 1000) }),
      memory('out', 'Dinner the next day.', { occurredAt: new Date(T0 - 5 * HOUR) }),
    ];
    const temporal = kinds(computeLinks([universe[0]!], universe, OPTIONS), 'temporal');
    const weight = new Map(temporal.map((l) => [l.targetId, l.weight]));
    expect(weight.get('d2')).toBe(1);
    expect(weight.get('near')!).toBeGreaterThan(weight.get('far')!);
    expect(weight.get('far')!).toBeGreaterThan(0);
    expect(weight.has('out')).toBe(false);
    const middle = kinds(
      computeLinks([universe[1]!], universe, { ...OPTIONS, temporalWindowMs: 1 }),
      'temporal',
    );
    expect(middle.map((l) => [l.targetId, l.weight])).toEqual([
      ['d1', 1],
      ['d3', 1],
    ]);
  });

  it('spreads the temporal links of a batch stored at one moment instead of pointing all at a few', () => {
    const batch = Array.from({ length: 50 }, (_, i) =>
      memory(`batch-${String(i).padStart(2, '0')}`, `Item ${i}.`),
    );
    const temporal = kinds(computeLinks(batch, batch, OPTIONS), 'temporal');
    expect(temporal).toHaveLength(50 * 5);
    const incoming = new Map<string, number>();
    for (const l of temporal) incoming.set(l.targetId, (incoming.get(l.targetId) ?? 0) + 1);
    expect(Math.max(...incoming.values())).toBe(5);
    expect(temporal.filter((l) => l.sourceId === 'batch-48').map((l) => l.targetId)).toEqual([
      'batch-00',
      'batch-01',
      'batch-02',
      'batch-03',
      'batch-49',
    ]);
  });

  it('never links a memory to itself, and gives the same links whatever the input order', () => {
    const universe = [
      memory('a', 'Alice reviewed the Atlas budget with Bob.', {
        entityIds: ['alice', 'bob'],
        documentId: 'x',
      }),
      memory('b', 'Bob approved the Atlas budget.', { entityIds: ['bob'], documentId: 'x', position: 1 }),
      memory('c', 'The Atlas budget review with Alice went well.', { entityIds: ['alice'] }),
      memory('d', 'Holiday photos from Crete.', { createdAt: new Date(T0 + 10 * 60 * 1000) }),
    ];
    const links = computeLinks(universe, universe, OPTIONS);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) {
      expect(l.sourceId).not.toBe(l.targetId);
      expect(l.weight).toBeGreaterThan(0);
      expect(l.weight).toBeLessThanOrEqual(1);
    }
    const reversed = [...universe].reverse();
    expect(computeLinks(reversed, reversed, OPTIONS)).toEqual(links);
  });

  it('finds the best entity matches behind hundreds of weaker ones sharing popular entities', () => {
    const universe: MemoryForLinking[] = [];
    const add = (id: string, entityIds: string[]) => universe.push(memory(id, `Note ${id}.`, { entityIds }));
    // 600 memories share one of the two popular entities and little else ...
    for (let i = 0; i < 300; i++) add(`a${String(i).padStart(3, '0')}`, ['alice', `a-topic-${i}`]);
    for (let i = 0; i < 300; i++) add(`b${String(i).padStart(3, '0')}`, ['acme', `b-topic-${i}`]);
    // ... while the best matches share both, but have more entities, so they come later in each list.
    for (let i = 0; i < 8; i++) add(`best${i}`, ['alice', 'acme', `x-${i}`, `y-${i}`]);
    const source = memory('src', 'Alice at Acme.', { entityIds: ['alice', 'acme'] });
    const links = kinds(computeLinks([source], universe, { ...OPTIONS, maxPerKind: 5 }), 'entity');
    const own = new Set(source.entityIds);
    const expected = universe
      .map((m) => {
        const shared = m.entityIds.filter((e) => own.has(e)).length;
        return { id: m.id, weight: shared / (own.size + m.entityIds.length - shared) };
      })
      .sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : 1))
      .slice(0, 5);
    expect(expected.map((e) => e.id)).toEqual(['best0', 'best1', 'best2', 'best3', 'best4']);
    expect(links.map((l) => [l.targetId, l.weight])).toEqual(expected.map((e) => [e.id, e.weight]));
  });

  it('links a source that is not in the universe to universe members only', () => {
    const universe = [
      memory('old', 'The Lisbon hotel booking was confirmed for Friday.', { entityIds: ['lisbon'] }),
    ];
    const source = memory('new', 'Confirmed: hotel booking in Lisbon for Friday.', { entityIds: ['lisbon'] });
    const links = computeLinks([source], universe, OPTIONS);
    expect(new Set(links.map((l) => l.kind))).toEqual(new Set(['entity', 'temporal', 'similarity']));
    for (const l of links) expect(l.targetId).toBe('old');
  });
});
