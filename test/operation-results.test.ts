import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, operationPath, waitFor, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

// What an ended operation says about itself, and what its answers weigh on the wire.

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ chunkSize: 20 });
});
afterAll(async () => {
  await svc?.stop();
});

const base = () => svc.url;
const ops = (bank: string) => `/v1/default/banks/${bank}/operations`;
const submit = (url: string, bank: string, items: unknown[]) =>
  http(url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });

describe('blank content', () => {
  it.each([true, false])('is a 400 that names the item and stores nothing (async: %s)', async (async) => {
    const bank = uniqueBank('blank');
    const items = [{ content: 'Alice moved to Paris.' }, { content: ' \n\t ' }];
    const res = await http(base(), 'POST', `/v1/default/banks/${bank}/memories`, { items, async });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/items\.1\.content: must not be blank/);
    const stored = await http(base(), 'GET', `/v1/default/banks/${bank}/memories`);
    expect(stored.body.total).toBe(0);
    expect((await http(base(), 'GET', ops(bank))).body.total).toBe(0);
  });
});

describe('a cancelled retain', () => {
  it('counts in its result the items it went through, not the ones submitted', async () => {
    const bank = uniqueBank('cancel');
    const res = await submit(base(), bank, documents(1_500));
    await waitFor('the batch to run', async () => {
      const op = await http(base(), 'GET', operationPath(bank, res.body.operation_id));
      return op.body.status === 'running' && op.body.progress > 0;
    });
    await http(base(), 'DELETE', operationPath(bank, res.body.operation_id));
    const { operation } = await waitForOperation(base(), bank, res.body.operation_id);
    expect(operation.status).toBe('cancelled');
    expect(operation.progress).toBeLessThan(1_500);
    expect(operation.result.items_count).toBe(operation.progress);

    const again = await http(base(), 'DELETE', operationPath(bank, res.body.operation_id));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/has already been cancelled$/);
  });

  it('counts nothing when it was cancelled while pending', async () => {
    const api = await startService({ worker: false });
    try {
      const bank = uniqueBank('pending');
      const res = await submit(api.url, bank, documents(5));
      const cancelled = await http(api.url, 'DELETE', operationPath(bank, res.body.operation_id));
      expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: 0 });
      expect(cancelled.body.result.items_count).toBe(0);
    } finally {
      await api.stop();
    }
  });
});

describe('a large retain', () => {
  it('keeps its workflow history short: a bounded number of chunks', async () => {
    const bank = uniqueBank('history');
    const res = await submit(base(), bank, documents(2_000));
    const { operation } = await waitForOperation(base(), bank, res.body.operation_id);
    expect(operation.status).toBe('completed');
    const handle = svc.runtime.client.workflow.getHandle(`batch_retain/${bank}/${res.body.operation_id}`);
    const history = await handle.fetchHistory();
    const chunks = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'retainChunk',
    );
    // 2,000 documents at the configured 20 a chunk would be 100 chunks and some 700 events.
    expect(chunks.length).toBeLessThanOrEqual(32);
    expect(history.events!.length).toBeLessThan(300);
  });
});

describe('a completed graph update whose memories were replaced while it ran', () => {
  it('ends with its progress equal to its total', async () => {
    const api = await startService({ worker: false });
    let worker = await startService({ api: false, db: api.db, taskQueue: api.taskQueue });
    try {
      const bank = uniqueBank('replaced');
      const first = await submit(api.url, bank, documents(600));
      await waitForOperation(api.url, bank, first.body.operation_id);
      // The follow-up graph update has counted the memories it will link: stop the worker there.
      // Polled tightly: the update takes a few seconds, and the worker must stop before it ends.
      let graph: { id: string; total: number } | undefined;
      while (!graph) {
        const [row] = await api.db.query<{ id: string; total: number }>(
          `SELECT id, total FROM operations WHERE bank_id = $1 AND type = 'graph_update'`,
          [bank],
        );
        if (row && row.total > 0) graph = row;
        else await new Promise((r) => setTimeout(r, 5));
      }
      await worker.stop();
      const paused = await http(api.url, 'GET', operationPath(bank, graph.id));
      expect(paused.body.status).toBe('running');
      expect(paused.body.progress).toBeLessThan(paused.body.total);
      // The documents are retained again meanwhile: the memories the total counted are gone.
      await api.db.query('DELETE FROM memories WHERE bank_id = $1 AND linked_at IS NULL', [bank]);
      worker = await startService({ api: false, db: api.db, taskQueue: api.taskQueue });
      const { operation } = await waitForOperation(api.url, bank, graph.id);
      expect(operation.status).toBe('completed');
      expect(operation.progress).toBe(operation.total);
      expect(operation.result.memories_processed).toBe(operation.progress);
    } finally {
      await worker.stop();
      await api.stop();
    }
  });
});

describe('large answers', () => {
  let bank: string;
  let operationId: string;
  let memoryIds: string[];
  beforeAll(async () => {
    bank = uniqueBank('large');
    const res = await submit(base(), bank, documents(400));
    operationId = res.body.operation_id;
    const { operation } = await waitForOperation(base(), bank, operationId);
    memoryIds = operation.result.memory_ids;
    expect(memoryIds.length).toBeGreaterThanOrEqual(400);
  });

  it('list rows carry the counts, not the memory ids', async () => {
    const list = await http(base(), 'GET', `${ops(bank)}?type=batch_retain`);
    const row = list.body.operations.find((o: any) => o.operation_id === operationId);
    expect(row.result).toEqual({
      items_count: 400,
      memories_count: memoryIds.length,
      entities_count: expect.any(Number),
      failed_items: [],
    });
  });

  it('memories of an operation are walked page by page', async () => {
    const walked: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await http(
        base(),
        'GET',
        `/v1/default/banks/${bank}/memories?operation_id=${operationId}&limit=100&offset=${offset}`,
      );
      expect(page.body.total).toBe(memoryIds.length);
      walked.push(...page.body.memories.map((m: any) => m.id));
      if (page.body.memories.length < 100) break;
    }
    expect(walked.sort()).toEqual([...memoryIds].sort());
  });

  it.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)('are compressed with %s when the caller accepts it', async (encoding, decompress) => {
    const url = `${base()}${operationPath(bank, operationId)}`;
    const plain = await rawGet(url, 'identity');
    expect(plain.encoding).toBeNull();
    const packed = await rawGet(url, `${encoding}, identity;q=0.5`);
    expect(packed.encoding).toBe(encoding);
    // Memory ids are hex digests, about half the entropy of their JSON text.
    expect(packed.body.length).toBeLessThan(plain.body.length * 0.6);
    expect(JSON.parse(decompress(packed.body).toString())).toEqual(JSON.parse(plain.body.toString()));
    // Small answers are not worth it.
    const small = await rawGet(`${base()}/health`, encoding);
    expect(small.encoding).toBeNull();
  });
});

/** GET with a chosen Accept-Encoding, body as sent (node's fetch would decode it). */
async function rawGet(url: string, acceptEncoding: string) {
  const { request } = await import('node:http');
  return new Promise<{ encoding: string | null; body: Buffer }>((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          encoding: (res.headers['content-encoding'] as string) ?? null,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
