import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

const ADMIN = 'admin-key-0123456789';
const TEAM = 'team-key-abcdef';

let svc: TestService;
let bankA: string;
let bankB: string;
beforeAll(async () => {
  bankA = uniqueBank('a');
  bankB = uniqueBank('b');
  svc = await startService({ env: { HINDSIGHT_API_KEYS: `${ADMIN},${TEAM}:${bankA}|${bankB}` } });
});
afterAll(async () => {
  await svc?.stop();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const post = (bank: string, path: string, body: unknown, key = ADMIN) =>
  http(svc.url, 'POST', `/v1/default/banks/${bank}${path}`, body, as(key));
const get = (bank: string, path: string, key = ADMIN) =>
  http(svc.url, 'GET', `/v1/default/banks/${bank}${path}`, undefined, as(key));
const alice = [{ content: 'Alice moved to Paris in 2021. She works at Acme with Bob.' }];

describe('operation ids belong to their bank', () => {
  it("lets a bank use an id another tenant's bank already uses, and names nothing of that bank", async () => {
    const bankC = uniqueBank('c');
    const theirs = await post(bankC, '/observations/regenerate', { operation_id: 'nightly-1' });
    expect(theirs.status).toBe(202);

    const mine = await post(
      bankA,
      '/memories',
      { async: true, operation_id: 'nightly-1', items: alice },
      TEAM,
    );
    expect(mine.status).toBe(202);
    expect(mine.body).toMatchObject({ operation_id: 'nightly-1', bank_id: bankA, type: 'batch_retain' });
    expect(JSON.stringify(mine.body)).not.toContain(bankC);
    const { operation } = await waitForOperation(svc.url, bankA, 'nightly-1', 30_000, as(TEAM));
    expect(operation.status).toBe('completed');
    const memories = await get(bankA, '/memories?operation_id=nightly-1', TEAM);
    expect(memories.body.total).toBe(operation.result.memory_ids.length);
    expect(memories.body.memories[0].operation_id).toBe('nightly-1');

    // The other bank's operation is untouched and still its own.
    const still = await get(bankC, '/operations/nightly-1');
    expect(still.body).toMatchObject({ bank_id: bankC, type: 'regenerate_observations' });
  });

  it("cancels a bank's pending operations when another bank uses the same ids", async () => {
    const [mine, theirs] = [uniqueBank('d'), uniqueBank('e')];
    expect((await post(theirs, '/observations/regenerate', { operation_id: 'queued-1' })).status).toBe(202);
    // Two long batches take the bank's two slots, so the third waits, pending.
    const many = Array.from({ length: 2000 }, (_, i) => ({ content: `Alice met visitor ${i} in Paris.` }));
    for (const id of ['busy-1', 'busy-2']) {
      expect((await post(mine, '/memories', { async: true, operation_id: id, items: many })).status).toBe(
        202,
      );
    }
    expect((await post(mine, '/graph/update', { operation_id: 'queued-1' })).status).toBe(202);

    const cancelled = await post(mine, '/operations/cancel', { status: 'pending' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.cancelled.map((o: { operation_id: string }) => o.operation_id)).toContain(
      'queued-1',
    );
    expect((await get(mine, '/operations/queued-1')).body.status).toBe('cancelled');
    expect((await get(theirs, '/operations/queued-1')).body.status).not.toBe('cancelled');
    for (const id of ['busy-1', 'busy-2'])
      await http(svc.url, 'DELETE', `/v1/default/banks/${mine}/operations/${id}`, undefined, as(ADMIN));
  });

  it('refuses an id used in the same bank by another type, naming only that bank', async () => {
    const first = await post(bankB, '/graph/update', { operation_id: 'mixed-1' }, TEAM);
    expect(first.status).toBe(202);
    const again = await post(
      bankB,
      '/memories',
      { async: true, operation_id: 'mixed-1', items: alice },
      TEAM,
    );
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(
      'operation id mixed-1 is already used by a graph_update operation in this bank: choose a new id',
    );
  });
});

describe('a synchronous retain with operation_id', () => {
  it('writes once when sent twice, answers the same memories and is an operation GET finds', async () => {
    const bank = uniqueBank();
    const body = { operation_id: 'shared-op-2', items: alice };
    const first = await post(bank, '/memories', body);
    expect(first.status).toBe(200);
    expect(first.body.operation_id).toBe('shared-op-2');
    const second = await post(bank, '/memories', body);
    expect(second.status).toBe(200);
    expect(second.body.memory_ids).toEqual(first.body.memory_ids);

    const stored = await get(bank, '/memories?limit=100');
    expect(stored.body.total).toBe(first.body.memory_ids.length);
    const operation = await get(bank, '/operations/shared-op-2');
    expect(operation.status).toBe(200);
    expect(operation.body).toMatchObject({
      type: 'batch_retain',
      status: 'completed',
      total: 1,
      progress: 1,
    });
    expect(operation.body.result.memory_ids).toEqual(first.body.memory_ids);
    const ofOperation = await get(bank, '/memories?operation_id=shared-op-2');
    expect(ofOperation.body.total).toBe(first.body.memory_ids.length);
  });

  it('writes once when the same request races itself', async () => {
    const bank = uniqueBank();
    const body = { operation_id: 'race-1', items: alice };
    const answers = await Promise.all([post(bank, '/memories', body), post(bank, '/memories', body)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[1]!.body.memory_ids).toEqual(answers[0]!.body.memory_ids);
    const stored = await get(bank, '/memories?limit=100');
    expect(stored.body.total).toBe(answers[0]!.body.memory_ids.length);
  });

  it('answers the operation of an async retain sent with the same id and content', async () => {
    const bank = uniqueBank();
    const submitted = await post(bank, '/memories', { async: true, operation_id: 'both-1', items: alice });
    expect(submitted.status).toBe(202);
    const sync = await post(bank, '/memories', { operation_id: 'both-1', items: alice });
    expect(sync.status).toBe(200);
    const { operation } = await waitForOperation(svc.url, bank, 'both-1', 30_000, as(ADMIN));
    expect(sync.body.memory_ids).toEqual(operation.result.memory_ids);
  });
});

describe('the same operation_id with other content', () => {
  const conflictMessage = (id: string) =>
    `operation id ${id} was already used for a request with other content; ` +
    'send the same request to get its operation, or choose a new id';

  it('is refused for an async retain, and the new items are not stored', async () => {
    const bank = uniqueBank();
    const first = await post(bank, '/memories', { async: true, operation_id: 'fp-1', items: alice });
    expect(first.status).toBe(202);
    await waitForOperation(svc.url, bank, 'fp-1', 30_000, as(ADMIN));
    const other = await post(bank, '/memories', {
      async: true,
      operation_id: 'fp-1',
      items: [{ content: 'Bob moved to Berlin.' }],
    });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe(conflictMessage('fp-1'));
    const found = await get(bank, '/memories?limit=100');
    expect(found.body.memories.some((m: { text: string }) => m.text.includes('Berlin'))).toBe(false);
  });

  it('is refused for a synchronous retain, and the same content in another field order is not', async () => {
    const bank = uniqueBank();
    const item = { content: 'Carol plays the cello.', tags: ['music'], metadata: { a: '1', b: '2' } };
    expect((await post(bank, '/memories', { operation_id: 'fp-2', items: [item] })).status).toBe(200);
    const reordered = { metadata: { b: '2', a: '1' }, tags: ['music'], content: 'Carol plays the cello.' };
    expect((await post(bank, '/memories', { operation_id: 'fp-2', items: [reordered] })).status).toBe(200);
    const other = await post(bank, '/memories', {
      operation_id: 'fp-2',
      items: [{ ...item, tags: ['art'] }],
    });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe(conflictMessage('fp-2'));
    expect((await get(bank, '/memories?limit=100')).body.total).toBe(1);
  });

  it('is refused for maintenance with other parameters', async () => {
    const bank = uniqueBank();
    expect((await post(bank, '/graph/update', { operation_id: 'fp-3' })).status).toBe(202);
    expect((await post(bank, '/graph/update', { operation_id: 'fp-3' })).status).toBe(202);
    const other = await post(bank, '/graph/update', { operation_id: 'fp-3', full_rebuild: true });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe(conflictMessage('fp-3'));
  });
});
