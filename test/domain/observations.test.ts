import { describe, expect, it } from 'vitest';
import { synthesizeObservation } from '../../src/domain/observations.js';

const day = (d: number) => new Date(Date.UTC(2024, 0, d));

const MEMORIES = [
  {
    id: 'mem-a1',
    text: 'Alice Johnson joined Acme Corp in Berlin last March. She leads the data platform team.',
    createdAt: day(1),
  },
  {
    id: 'mem-a2',
    text: 'The billing pipeline was rebuilt over the summer. Alice Johnson presented the Atlas results to the board in May.',
    createdAt: day(3),
  },
  {
    id: 'mem-b1',
    text: 'Alice Johnson joined Acme Corp in Berlin in March. Her manager is Bob Smith.',
    createdAt: day(10),
  },
  { id: 'mem-b2', text: 'The weather in Berlin was grey all week.', createdAt: day(11) },
  { id: 'mem-b3', text: 'Alice prefers async stand-ups over morning meetings.', createdAt: day(12) },
];

describe('synthesizeObservation', () => {
  it('summarises what memories from both documents say about the entity, citing them', () => {
    const obs = synthesizeObservation({ name: 'Alice Johnson' }, MEMORIES);
    expect(obs).not.toBeNull();
    expect(obs!.text.startsWith('Alice Johnson: ')).toBe(true);
    expect(obs!.text).toContain('presented the Atlas results');
    expect(obs!.text).toContain('async stand-ups');
    expect(obs!.memoryIds).toEqual(expect.arrayContaining(['mem-a2', 'mem-b3']));
    expect(obs!.memoryIds.some((id) => id.startsWith('mem-a'))).toBe(true);
    expect(obs!.memoryIds.some((id) => id.startsWith('mem-b'))).toBe(true);
    // Memories that do not mention her are not cited, and neither are her colleagues' facts.
    expect(obs!.memoryIds).not.toContain('mem-b2');
    expect(obs!.text).not.toContain('grey');
    expect(obs!.text).not.toContain('billing pipeline');
  });

  it('keeps one of two sentences that say the same thing', () => {
    const obs = synthesizeObservation({ name: 'Alice Johnson' }, MEMORIES)!;
    const joined = obs.text.match(/joined Acme Corp in Berlin/g) ?? [];
    expect(joined).toHaveLength(1);
  });

  it('respects the fact and length limits', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      id: `m${i}`,
      text: `Carol Diaz reviewed contract ${i} for the ${['Oslo', 'Lima', 'Perth', 'Quito', 'Turin'][i % 5]} office and flagged clause ${i * 3} about ${['pricing', 'liability', 'renewal', 'data retention', 'termination'][i % 5]}.`,
      createdAt: day(1 + i),
    }));
    const obs = synthesizeObservation({ name: 'Carol Diaz' }, many)!;
    expect(obs.text.length).toBeLessThanOrEqual(600);
    expect(obs.memoryIds.length).toBeLessThanOrEqual(5);
    const short = synthesizeObservation({ name: 'Carol Diaz' }, many, { maxFacts: 2, maxChars: 200 })!;
    expect(short.text.length).toBeLessThanOrEqual(200);
    expect(short.memoryIds.length).toBeLessThanOrEqual(2);
    expect(short.memoryIds.length).toBeGreaterThan(0);
  });

  it('returns null when no memory mentions the entity', () => {
    expect(synthesizeObservation({ name: 'Zoe Park' }, MEMORIES)).toBeNull();
    expect(synthesizeObservation({ name: 'Alice Johnson' }, [])).toBeNull();
  });

  it('does not depend on the order of the memories', () => {
    const forward = synthesizeObservation({ name: 'Alice Johnson' }, MEMORIES);
    const backward = synthesizeObservation({ name: 'Alice Johnson' }, [...MEMORIES].reverse());
    const shuffled = synthesizeObservation(
      { name: 'Alice Johnson' },
      [2, 4, 0, 3, 1].map((i) => MEMORIES[i]!),
    );
    expect(backward).toEqual(forward);
    expect(shuffled).toEqual(forward);
  });
});
