import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, providerEnv, startFakeProvider } from './support/fake-model-provider.js';
import { http, operationPath, waitFor, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

// Ended operations expire after HINDSIGHT_OPERATION_RETENTION (2 s here, swept every 200 ms): their rows,
// staged documents and model answers go, GET of their ids says they expired, and their memories stay.

const RETENTION = '2s';
let provider: FakeProvider;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [2, 8] });
  svc = await startService({
    chunkSize: 5,
    env: providerEnv(provider, {
      HINDSIGHT_OPERATION_RETENTION: RETENTION,
      HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS: '200',
      // A hung provider call holds its operation `running` this long before the call is tried again.
      HINDSIGHT_MODEL_CALL_TIMEOUT_MS: '8000',
    }),
  });
});
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
});

async function submit(bank: string, items: unknown[]): Promise<string> {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(res.status).toBe(202);
  return res.body.operation_id;
}

async function owned(operationId: string) {
  const count = async (table: string) => {
    const [row] = await svc.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} WHERE operation_id = $1`,
      [operationId],
    );
    return row!.n;
  };
  return {
    retainItems: await count('retain_items'),
    modelAnswers: await count('model_answers'),
    modelUsage: await count('model_usage'),
  };
}

const expiredMessage = (id: string) =>
  `operation ${id} expired after the retention period of 2 seconds and its record was removed`;

describe('operation retention', () => {
  it('removes an ended operation with its staged items and model answers, and keeps its memories', async () => {
    const bank = uniqueBank('retention');
    const marker = `POISON${Date.now()}`;
    provider.poison(marker);
    const id = await submit(bank, [
      { content: 'Alice moved to Paris in spring.', document_id: 'alice' },
      { content: `${marker} Bob opened a bakery in Oslo.`, document_id: 'bob' },
    ]);
    const { operation } = await waitForOperation(svc.url, bank, id);
    expect(operation.status).toBe('completed');
    expect(operation.result.failed_items.map((f: { index: number }) => f.index)).toEqual([1]);
    // Right after its end the operation still owns rows: its failed document (kept for a retry) and what its
    // model calls cost. Its answers were dropped at its end; one is left here as an end written outside the
    // workflow (the reconciler, a cancel) leaves them.
    await svc.db.query(
      `INSERT INTO model_answers (operation_id, step, answer) VALUES ($1, 'facts:9', '{}')`,
      [id],
    );
    const before = await owned(id);
    expect(before).toMatchObject({ retainItems: 1, modelAnswers: 1 });
    expect(before.modelUsage).toBeGreaterThan(0);
    const memoryIds: string[] = operation.result.memory_ids;
    expect(memoryIds.length).toBeGreaterThan(0);

    const gone = await waitFor('the operation to expire', async () => {
      const res = await http(svc.url, 'GET', operationPath(bank, id));
      return res.status === 404 && res;
    });
    expect(gone.body).toEqual({ error: { code: 'operation_expired', message: expiredMessage(id) } });
    expect(await owned(id)).toEqual({ retainItems: 0, modelAnswers: 0, modelUsage: 0 });
    const [row] = await svc.db.query('SELECT 1 FROM operations WHERE id = $1', [id]);
    expect(row).toBeUndefined();

    // Cancelling it, or waiting on it, says the same.
    const cancel = await http(svc.url, 'DELETE', operationPath(bank, id));
    expect(cancel.status).toBe(404);
    expect(cancel.body.error.code).toBe('operation_expired');
    const retry = await http(svc.url, 'POST', `${operationPath(bank, id)}/retry`);
    expect(retry.status).toBe(404);
    expect(retry.body.error.code).toBe('operation_expired');
    const waited = await http(svc.url, 'GET', `${operationPath(bank, id)}?wait=1`);
    expect(waited.status).toBe(404);
    expect(waited.body.error.message).toBe(expiredMessage(id));

    // The list no longer shows it; an id that never existed is still plain not found.
    const list = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations?limit=100`);
    expect(list.status).toBe(200);
    expect(list.body.operations.map((o: { operation_id: string }) => o.operation_id)).not.toContain(id);
    const never = await http(svc.url, 'GET', operationPath(bank, 'never-existed'));
    expect(never.status).toBe(404);
    expect(never.body.error.code).toBe('not_found');

    // The memories are the bank's: they stay.
    const memories = await http(svc.url, 'GET', `/v1/default/banks/${bank}/memories?limit=100`);
    expect(memories.status).toBe(200);
    expect(memories.body.memories.map((m: { id: string }) => m.id).sort()).toEqual([...memoryIds].sort());
  });

  it('never removes an operation that is still running, however long ago it started', async () => {
    const bank = uniqueBank('retention-running');
    const marker = `HANG${Date.now()}`;
    provider.script(['hang'], marker);
    const id = await submit(bank, [{ content: `${marker} Carol studied physics in Vienna.` }]);
    await waitFor('the operation to run', async () => {
      const res = await http(svc.url, 'GET', operationPath(bank, id));
      return res.body.status === 'running' && provider.open(marker) > 0;
    });
    // Well past the retention, with sweeps every 200 ms, it is still there and still owns its document.
    await new Promise((r) => setTimeout(r, 4_000));
    const during = await http(svc.url, 'GET', operationPath(bank, id));
    expect(during.status).toBe(200);
    expect(during.body.status).toBe('running');
    expect((await owned(id)).retainItems).toBe(1);

    // Once the call is tried again it ends, and expires in its turn.
    const { operation } = await waitForOperation(svc.url, bank, id);
    expect(operation.status).toBe('completed');
    const gone = await waitFor('the operation to expire', async () => {
      const res = await http(svc.url, 'GET', operationPath(bank, id));
      return res.status === 404 && res;
    });
    expect(gone.body.error).toEqual({ code: 'operation_expired', message: expiredMessage(id) });
  });
});
