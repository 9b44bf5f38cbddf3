import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../clients/typescript/src/index.js';
import { runCli } from './cli/run-cli.js';
import { type FakeProvider, providerEnv, startFakeProvider } from './support/fake-model-provider.js';
import { http, operationPath, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

// POST …/operations/{id}/retry and DELETE …/operations/{id}/delete, against a model provider that fails the
// documents it is told to (their answers never parse), so that batches end with failed_items.

let provider: FakeProvider;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [2, 8] });
  svc = await startService({ chunkSize: 5, env: providerEnv(provider) });
});
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
});

const ops = (bank: string) => `/v1/default/banks/${bank}/operations`;
const retryPath = (bank: string, id: string) => `${operationPath(bank, id)}/retry`;

async function retain(bank: string, items: unknown[]) {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(res.status).toBe(202);
  return (await waitForOperation(svc.url, bank, res.body.operation_id)).operation;
}

async function memoryTexts(bank: string): Promise<string[]> {
  const res = await http(svc.url, 'GET', `/v1/default/banks/${bank}/memories?limit=100`);
  return res.body.memories.map((m: { text: string }) => m.text).sort();
}

describe('retry of a batch that ended with failed items', () => {
  it('retains just the failed items as a new linked batch_retain; a retry of the retry finishes the job', async () => {
    const bank = uniqueBank('retry');
    const marker = `FLAKY${Date.now()}`;
    provider.poison(marker);
    const first = await retain(bank, [
      { content: 'Alice moved to Paris.', document_id: 'alice' },
      { content: `${marker} Bob opened a bakery in Oslo.`, document_id: 'bob' },
      { content: 'Carol studied physics in Vienna.' },
      { content: `${marker} Dan sailed to Lisbon.`, tags: ['sea'] },
    ]);
    expect(first.status).toBe('completed');
    expect(first.result.failed_items.map((f: { index: number }) => f.index)).toEqual([1, 3]);

    // Still failing: the retry fails both again, and says so in its own failed_items.
    const retried = await http(svc.url, 'POST', retryPath(bank, first.operation_id));
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({
      success: true,
      operation_id: retried.body.operation.operation_id,
      operation: { type: 'batch_retain', total: 2, retry_of: first.operation_id, retries: [] },
    });
    expect(retried.body.message).toMatch(/^retrying the 2 failed items of operation /);
    const second = (await waitForOperation(svc.url, bank, retried.body.operation_id)).operation;
    expect(second.status).toBe('failed');
    expect(second.result.failed_items.map((f: { index: number }) => f.index)).toEqual([0, 1]);
    const original = await http(svc.url, 'GET', operationPath(bank, first.operation_id));
    expect(original.body.retries).toEqual([second.operation_id]);
    expect(original.body.retry_of).toBeNull();

    // The same operation cannot be retried twice: its failed items now belong to the retry.
    const again = await http(svc.url, 'POST', retryPath(bank, first.operation_id));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(
      `operation ${first.operation_id} was already retried by operation ${second.operation_id}: ` +
        `retry ${second.operation_id} for the items that failed again`,
    );

    // The model answers again: the retry of the retry retains both, with their tags.
    provider.cure(marker);
    const client = new HindsightClient({ baseUrl: svc.url });
    const third = await client.retryOperation({ bankId: bank, operationId: second.operation_id });
    expect(third.retryOf).toBe(second.operation_id);
    const done = (await waitForOperation(svc.url, bank, third.operationId)).operation;
    expect(done.status).toBe('completed');
    expect(done.result.failed_items).toEqual([]);
    expect(done.result.memories_count).toBe(2);

    // Every document once: the ones that succeeded the first time were never retained again.
    expect(await memoryTexts(bank)).toEqual(
      [
        'Alice moved to Paris.',
        `${marker} Bob opened a bakery in Oslo.`,
        'Carol studied physics in Vienna.',
        `${marker} Dan sailed to Lisbon.`,
      ].sort(),
    );
    const dan = await http(svc.url, 'GET', `/v1/default/banks/${bank}/memories?limit=100`);
    expect(dan.body.memories.find((m: { text: string }) => m.text.includes('Dan'))).toMatchObject({
      tags: ['sea'],
    });
    const list = await http(svc.url, 'GET', `${ops(bank)}?type=batch_retain`);
    expect(list.body.operations.map((o: { retry_of: string | null }) => o.retry_of)).toEqual([
      second.operation_id,
      first.operation_id,
      null,
    ]);
  });

  it('is refused, changing nothing, for a batch with nothing failed, one still running, and a maintenance operation', async () => {
    const bank = uniqueBank('retry-refused');
    const clean = await retain(bank, [{ content: 'Erin planted an orchard.' }]);
    const nothing = await http(svc.url, 'POST', retryPath(bank, clean.operation_id));
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.message).toBe(
      `operation ${clean.operation_id} has no failed items to retry (its failed_items is empty)`,
    );

    const big = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: Array.from({ length: 300 }, (_, i) => ({ content: `Fact number ${i} about the orchard.` })),
      async: true,
    });
    const running = await http(svc.url, 'POST', retryPath(bank, big.body.operation_id));
    expect(running.status).toBe(409);
    expect(running.body.error.message).toMatch(
      new RegExp(
        `^operation ${big.body.operation_id} is still (pending|running): retry it once it has ended`,
      ),
    );
    const early = await http(svc.url, 'DELETE', `${operationPath(bank, big.body.operation_id)}/delete`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/has not ended \(it is (pending|running)\): cancel it first/);
    await http(svc.url, 'DELETE', operationPath(bank, big.body.operation_id));
    await waitForOperation(svc.url, bank, big.body.operation_id);

    const graph = await http(svc.url, 'POST', `/v1/default/banks/${bank}/graph/update`, {});
    await waitForOperation(svc.url, bank, graph.body.operation_id);
    const maintenance = await http(svc.url, 'POST', retryPath(bank, graph.body.operation_id));
    expect(maintenance.status).toBe(400);
    expect(maintenance.body.error.message).toMatch(/is a graph_update: only batch_retain operations/);

    const missing = await http(svc.url, 'POST', retryPath(bank, 'no-such-operation'));
    expect(missing.status).toBe(404);

    const after = await http(svc.url, 'GET', `${ops(bank)}?type=batch_retain`);
    expect(after.body.total).toBe(2);
    expect(after.body.operations.every((o: { retries: string[] }) => o.retries.length === 0)).toBe(true);
  });
});

describe('delete of an ended operation record', () => {
  it('removes the record (memories stay), and its retry keeps its own with retry_of null', async () => {
    const bank = uniqueBank('forget');
    const marker = `GONE${Date.now()}`;
    provider.poison(marker);
    const first = await retain(bank, [{ content: 'Fay wrote a novel.' }, { content: `${marker} Gus sang.` }]);
    provider.cure(marker);
    const cli = await runCli(['--api-url', svc.url, 'retry', bank, first.operation_id]);
    expect(cli.code, cli.stderr).toBe(0);
    const retryId = /as operation (\S+)/.exec(cli.stdout)?.[1] as string;
    expect(cli.stdout).toContain(`Retrying 1 failed item of ${first.operation_id} as operation ${retryId}`);
    await waitForOperation(svc.url, bank, retryId);

    const deleted = await http(svc.url, 'DELETE', `${operationPath(bank, first.operation_id)}/delete`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      success: true,
      message: `the record of operation ${first.operation_id} was deleted; the memories it wrote remain`,
      operation_id: first.operation_id,
    });
    expect((await http(svc.url, 'GET', operationPath(bank, first.operation_id))).status).toBe(404);
    const twice = await http(svc.url, 'DELETE', `${operationPath(bank, first.operation_id)}/delete`);
    expect(twice.status).toBe(404);
    expect((await http(svc.url, 'GET', operationPath(bank, retryId))).body).toMatchObject({
      status: 'completed',
      retry_of: null,
    });
    expect(await memoryTexts(bank)).toEqual(['Fay wrote a novel.', `${marker} Gus sang.`]);

    const fromCli = await runCli(['--api-url', svc.url, 'operations', 'delete', bank, retryId]);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    expect(fromCli.stdout.trim()).toBe(`Deleted the record of operation ${retryId}`);
    expect((await http(svc.url, 'GET', `${ops(bank)}?type=batch_retain`)).body.total).toBe(0);
  });

  it('is served to the Python client: retry_operation and delete_operation', async () => {
    const bank = uniqueBank('py-retry');
    const marker = `PY${Date.now()}`;
    provider.poison(marker);
    const first = await retain(bank, [{ content: `${marker} Hana rowed across the lake.` }]);
    provider.cure(marker);
    const script = `
import json, sys
from hindsight_client import Hindsight
h = Hindsight(base_url=sys.argv[1])
op = h.retry_operation(sys.argv[2], sys.argv[3])
h.wait_for_operation(sys.argv[2], op["operation_id"], poll_interval=0.2, timeout=60)
print(json.dumps({"retry": op, "deleted": h.delete_operation(sys.argv[2], sys.argv[3])}))
`;
    // Asynchronously: the service answers from this process.
    const run = await promisify(execFile)('python3', ['-c', script, svc.url, bank, first.operation_id], {
      env: { ...process.env, PYTHONPATH: fileURLToPath(new URL('../clients/python', import.meta.url)) },
      encoding: 'utf8',
      timeout: 90_000,
    });
    const out = JSON.parse(run.stdout);
    expect(out.retry).toMatchObject({ type: 'batch_retain', retry_of: first.operation_id, total: 1 });
    expect(out.deleted).toMatchObject({ success: true, operation_id: first.operation_id });
    expect(await memoryTexts(bank)).toEqual([`${marker} Hana rowed across the lake.`]);
  });
});
