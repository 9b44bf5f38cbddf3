import { describe, expect, it } from 'vitest';
import { extractDocument } from '../../src/domain/extract.js';
import { entityId, memoryId, newOperationId } from '../../src/domain/ids.js';

describe('ids', () => {
  it('gives the same entity id to "Alice Johnson" in two different documents of a bank', () => {
    const first = extractDocument('Alice Johnson joined Acme Corp in Berlin last March.');
    const second = extractDocument('Yesterday I had lunch with Alice Johnson and her manager at the café.');
    const idsOf = (doc: ReturnType<typeof extractDocument>) =>
      doc.facts
        .flatMap((f) => f.entities)
        .filter((e) => e.name === 'Alice Johnson')
        .map((e) => entityId('bank-1', e.normalized));
    expect(idsOf(first)).toHaveLength(1);
    expect(idsOf(first)).toEqual(idsOf(second));
    expect(entityId('bank-2', 'alice johnson')).not.toBe(entityId('bank-1', 'alice johnson'));
  });

  it('derives memory ids from operation, item and fact, so a retry reproduces them', () => {
    expect(memoryId('op-1', 0, 0)).toBe(memoryId('op-1', 0, 0));
    expect(memoryId('op-1', 0, 0)).toMatch(/^mem-[0-9a-f]{24}$/);
    const ids = new Set([
      memoryId('op-1', 0, 1),
      memoryId('op-1', 1, 0),
      memoryId('op-2', 0, 1),
      memoryId('op-1', 0, 0),
    ]);
    expect(ids.size).toBe(4);
  });

  it('creates distinct operation ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newOperationId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^op-[0-9a-f]{20}$/);
  });
});
