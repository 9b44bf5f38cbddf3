import { describe, expect, it } from 'vitest';
import { buildSimilarityIndex, tokenize } from '../../src/domain/similarity.js';

const DOCS = [
  {
    id: 'deploy-1',
    text: 'The Kubernetes deployment of the billing service failed because the database migration timed out.',
  },
  {
    id: 'deploy-2',
    text: 'Billing service deployments on Kubernetes keep failing: the database migrations time out.',
  },
  { id: 'garden', text: 'Grandma planted tomatoes and basil in the garden behind the house this spring.' },
  {
    id: 'recipe',
    text: 'For the sauce, simmer the tomatoes with garlic and fresh basil for twenty minutes.',
  },
  { id: 'travel', text: 'Our flight to Lisbon leaves on Friday morning; the hotel is near the old harbour.' },
  { id: 'travel-2', text: 'The hotel in Lisbon is close to the harbour, and the flight departs Friday.' },
];

describe('tokenize', () => {
  it('keeps content words, lowercased, accent-free and stemmed, without stopwords', () => {
    expect(tokenize("The team's deployments were failing in São Paulo!")).toEqual([
      'team',
      'deployment',
      'fail',
      'sao',
      'paulo',
    ]);
    expect(tokenize('ship ships shipped shipping')).toEqual(['ship', 'ship', 'ship', 'ship']);
    expect(tokenize('')).toEqual([]);
  });
});

describe('similarity index', () => {
  const index = buildSimilarityIndex(DOCS);

  it('scores a paraphrase above unrelated texts', () => {
    const [best, ...rest] = index.topSimilar('deploy-1', 5, 0.01);
    expect(best?.id).toBe('deploy-2');
    for (const other of rest) expect(other.score).toBeLessThan(best!.score);
    expect(index.topSimilar('travel-2', 1, 0)[0]?.id).toBe('travel');
  });

  it('returns scores in (0, 1], strongest first, never the document itself, at most k', () => {
    for (const { id } of DOCS) {
      const hits = index.topSimilar(id, 2, 0);
      expect(hits.length).toBeLessThanOrEqual(2);
      for (const h of hits) {
        expect(h.id).not.toBe(id);
        expect(h.score).toBeGreaterThan(0);
        expect(h.score).toBeLessThanOrEqual(1);
      }
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    }
  });

  it('leaves out matches below the minimum score', () => {
    expect(index.topSimilar('garden', 5, 0.9)).toEqual([]);
    expect(index.topSimilar('unknown-id', 5, 0)).toEqual([]);
  });

  it('breaks ties by id, so identical texts come back in a stable order', () => {
    const same = 'Weekly sync moved to Thursday afternoon because of the offsite.';
    const dupes = buildSimilarityIndex([
      { id: 'c', text: same },
      { id: 'a', text: same },
      { id: 'b', text: same },
      { id: 'z', text: 'Completely different words about mountain hiking trails.' },
    ]);
    expect(dupes.topSimilar('b', 5, 0.5)).toEqual([
      { id: 'a', score: 1 },
      { id: 'c', score: 1 },
    ]);
  });

  it('does not depend on the order of the documents', () => {
    const shuffled = buildSimilarityIndex([...DOCS].reverse());
    for (const { id } of DOCS) expect(shuffled.topSimilar(id, 3, 0)).toEqual(index.topSimilar(id, 3, 0));
  });

  it('compares a text from outside the index with the same weighting', () => {
    const hits = index.topSimilarToText('Why did the billing deployment on Kubernetes fail?', 2, 0.05);
    expect(hits.map((h) => h.id)).toEqual(['deploy-1', 'deploy-2']);
  });

  it('finds near-duplicates among many documents that share only common words otherwise', () => {
    const topics = ['invoice', 'router', 'vaccine', 'glacier', 'sonata', 'tractor', 'quasar', 'lagoon'];
    const docs = Array.from({ length: 400 }, (_, i) => ({
      id: `m${String(i).padStart(3, '0')}`,
      text: `Meeting notes about the ${topics[i % topics.length]} project number ${i}: the team reviewed progress and agreed on next steps.`,
    }));
    docs.push({ id: 'copy', text: docs[17]!.text.replace('the team', 'our team') });
    const big = buildSimilarityIndex(docs);
    expect(big.topSimilar('copy', 1, 0.5)[0]?.id).toBe('m017');
  });
});
