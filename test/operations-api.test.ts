import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, TERMINAL, waitFor, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

const FIELDS = [
  'operation_id',
  'bank_id',
  'type',
  'status',
  'progress',
  'total',
  'created_at',
  'started_at',
  'completed_at',
  'error',
  'result',
  'follow_up',
  'triggered_by',
  'retry_of',
  'retries',
  'metadata',
];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ bankConcurrency: 2, chunkSize: 20 });
});
afterAll(async () => {
  await svc?.stop();
});

const base = () => svc.url;
const ops = (bank: string) => `/v1/default/banks/${bank}/operations`;
const submit = (bank: string, items: unknown[], extra: Record<string, unknown> = {}) =>
  http(base(), 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true, ...extra });

describe('async batch retain, as the seed document polls it', () => {
  it('answers 202 with the documented format, then progresses to completed with every memory', async () => {
    const bank = uniqueBank();
    const res = await submit(bank, documents(120));
    expect(res.status).toBe(202);
    expect(Object.keys(res.body)).toEqual(FIELDS);
    expect(res.body).toMatchObject({
      bank_id: bank,
      type: 'batch_retain',
      total: 120,
      progress: 0,
      result: null,
    });
    expect(['pending', 'running']).toContain(res.body.status);
    expect(res.body.operation_id).toMatch(/^op-/);
    expect(res.body.created_at).toMatch(ISO_UTC);

    const { operation, progressSeen } = await waitForOperation(base(), bank, res.body.operation_id);
    expect(operation.status).toBe('completed');
    expect(operation.progress).toBe(120);
    expect(operation.error).toBeNull();
    expect(operation.started_at).toMatch(ISO_UTC);
    expect(operation.completed_at).toMatch(ISO_UTC);
    expect(Date.parse(operation.completed_at)).toBeGreaterThanOrEqual(Date.parse(operation.started_at));
    // progress never goes backwards
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));
    const ids: string[] = operation.result.memory_ids;
    expect(ids.length).toBeGreaterThanOrEqual(120);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operation.result.failed_items).toEqual([]);

    const stored = await http(
      base(),
      'GET',
      `/v1/default/banks/${bank}/memories?operation_id=${res.body.operation_id}&limit=1`,
    );
    expect(stored.body.total).toBe(ids.length);
  });

  it('retries with the same operation_id return the same operation and ingest nothing twice, even when racing', async () => {
    const bank = uniqueBank();
    const items = documents(30);
    const [a, b] = await Promise.all([
      submit(bank, items, { operation_id: 'op-retry-1' }),
      submit(bank, items, { operation_id: 'op-retry-1' }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.operation_id).toBe('op-retry-1');
    expect(b.body.operation_id).toBe('op-retry-1');
    const { operation } = await waitForOperation(base(), bank, 'op-retry-1');
    const again = await submit(bank, items, { operation_id: 'op-retry-1' });
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('completed');
    const stored = await http(base(), 'GET', `/v1/default/banks/${bank}/memories?limit=1`);
    expect(stored.body.total).toBe(operation.result.memory_ids.length);

    // Ids belong to their bank: another bank's op-retry-1 is an operation of its own.
    const otherBank = uniqueBank();
    const other = await submit(otherBank, items, { operation_id: 'op-retry-1' });
    expect(other.status).toBe(202);
    expect(other.body).toMatchObject({ operation_id: 'op-retry-1', bank_id: otherBank, status: 'pending' });
  });

  it('lists newest first with status and type filters and non-overlapping pages', async () => {
    const bank = uniqueBank();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(bank, documents(2, i))).body.operation_id);
    await Promise.all(ids.map((id) => waitForOperation(base(), bank, id)));

    const first = await http(base(), 'GET', `${ops(bank)}?type=batch_retain&limit=2&offset=0`);
    const second = await http(base(), 'GET', `${ops(bank)}?type=batch_retain&limit=2&offset=2`);
    const third = await http(base(), 'GET', `${ops(bank)}?type=batch_retain&limit=2&offset=4`);
    expect(first.body).toMatchObject({ bank_id: bank, total: 5, limit: 2, offset: 0 });
    const paged = [...first.body.operations, ...second.body.operations, ...third.body.operations].map(
      (o: any) => o.operation_id,
    );
    expect(paged).toEqual([...ids].reverse());

    const completed = await http(base(), 'GET', `${ops(bank)}?status=completed&type=batch_retain`);
    expect(completed.body.total).toBe(5);
    expect(completed.body.operations.every((o: any) => o.status === 'completed')).toBe(true);
    const failed = await http(base(), 'GET', `${ops(bank)}?status=failed`);
    expect(failed.body).toMatchObject({ operations: [], total: 0 });
  });

  it('queues graph_update and regenerate_observations after a batch retain, at most one pending of each', async () => {
    const bank = uniqueBank();
    const a = await submit(bank, documents(5));
    const b = await submit(bank, documents(5, 5));
    await waitForOperation(base(), bank, a.body.operation_id);
    await waitForOperation(base(), bank, b.body.operation_id);
    const followUps = await waitFor('follow-up operations to finish', async () => {
      const list = await http(base(), 'GET', `${ops(bank)}?limit=100`);
      const maintenance = list.body.operations.filter((o: any) => o.type !== 'batch_retain');
      const done = maintenance.length >= 2 && maintenance.every((o: any) => TERMINAL.includes(o.status));
      return done && maintenance;
    });
    for (const type of ['graph_update', 'regenerate_observations']) {
      const ofType = followUps.filter((o: any) => o.type === type);
      expect(ofType.length).toBeGreaterThanOrEqual(1);
      expect(ofType.length).toBeLessThanOrEqual(2);
      expect(ofType.every((o: any) => o.status === 'completed')).toBe(true);
    }
  });
});

describe('cancellation', () => {
  it('cancels a running batch within seconds and keeps what it wrote', async () => {
    const bank = uniqueBank();
    const res = await submit(bank, documents(3_000));
    await waitFor('the batch to run', async () => {
      const op = await http(base(), 'GET', `${ops(bank)}/${res.body.operation_id}`);
      return op.body.status === 'running' && op.body.progress > 0;
    });
    const cancel = await http(base(), 'DELETE', `${ops(bank)}/${res.body.operation_id}`);
    expect([200, 202]).toContain(cancel.status);
    const { operation } = await waitForOperation(base(), bank, res.body.operation_id, 10_000);
    expect(operation.status).toBe('cancelled');
    expect(operation.progress).toBeGreaterThan(0);
    expect(operation.progress).toBeLessThan(3_000);
    expect(operation.completed_at).toMatch(ISO_UTC);
    const stored = await http(
      base(),
      'GET',
      `/v1/default/banks/${bank}/memories?operation_id=${operation.operation_id}&limit=1`,
    );
    expect(stored.body.total).toBe(operation.result.memory_ids.length);
    await new Promise((r) => setTimeout(r, 1_000));
    const later = await http(
      base(),
      'GET',
      `/v1/default/banks/${bank}/memories?operation_id=${operation.operation_id}&limit=1`,
    );
    expect(later.body.total).toBe(stored.body.total); // nothing written after the cancel

    const again = await http(base(), 'DELETE', `${ops(bank)}/${res.body.operation_id}`);
    expect(again.status).toBe(409);
  });

  it('cancels pending operations at once, even with no worker up, and nothing of them runs later', async () => {
    // An API with no worker: every operation it accepts stays pending.
    const api = await startService({ worker: false });
    try {
      const bank = uniqueBank();
      const post = (items: unknown[]) =>
        http(api.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
      const queued = [await post(documents(10)), await post(documents(10, 3)), await post(documents(10, 6))];
      const pending = await http(api.url, 'GET', `${ops(bank)}?status=pending`);
      expect(pending.body.total).toBe(3);

      // the seed's "cancel all pending" loop, for the first two
      for (const op of pending.body.operations.slice(0, 2)) {
        const r = await http(api.url, 'DELETE', `${ops(bank)}/${op.operation_id}`);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ status: 'cancelled', progress: 0, started_at: null });
      }
      // and the server-side bulk form for the rest
      const bulk = await http(api.url, 'POST', `${ops(bank)}/cancel`, { status: 'pending' });
      expect(bulk.status).toBe(200);
      expect(bulk.body.count).toBe(1);
      expect(bulk.body.cancelled[0]).toMatchObject({ status: 'cancelled', started_at: null });
      expect((await http(api.url, 'GET', `${ops(bank)}?status=pending`)).body.total).toBe(0);

      // A worker arrives: the cancelled workflows end without retaining anything.
      const worker = await startService({ api: false, db: api.db, taskQueue: api.taskQueue });
      try {
        for (const q of queued) {
          await waitFor('the workflow to close', async () => {
            // The workflow start follows the 202, so the workflow may not exist yet.
            const d = await api.runtime.client.workflow
              .getHandle(`batch_retain/${bank}/${q.body.operation_id}`)
              .describe()
              .catch(() => undefined);
            return d !== undefined && d.status.name !== 'RUNNING';
          });
        }
        const stored = await http(api.url, 'GET', `/v1/default/banks/${bank}/memories`);
        expect(stored.body.total).toBe(0);
        const list = await http(api.url, 'GET', ops(bank));
        expect(list.body.operations.map((o: any) => o.status)).toEqual([
          'cancelled',
          'cancelled',
          'cancelled',
        ]);
      } finally {
        await worker.stop();
      }
    } finally {
      await api.stop();
    }
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  const bank = uniqueBank('bad');
  const cases: [string, string, string, unknown, number, RegExp][] = [
    ['malformed JSON', 'POST', `/v1/default/banks/${bank}/memories`, '{"items": [', 400, /not valid JSON/],
    ['missing items', 'POST', `/v1/default/banks/${bank}/memories`, { async: true }, 400, /items/],
    [
      'empty items',
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: [], async: true },
      400,
      /at least one/,
    ],
    [
      'non-string content',
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: [{ content: 5 }] },
      400,
      /content/,
    ],
    [
      'unknown field',
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: [{ content: 'x', colour: 1 }] },
      400,
      /colour/,
    ],
    [
      'bad timestamp',
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: [{ content: 'x', timestamp: 'yesterday' }] },
      400,
      /timestamp/,
    ],
    [
      'bad bank id',
      'POST',
      '/v1/default/banks/bad%20bank!/memories',
      { items: [{ content: 'x' }] },
      400,
      /bank_id/,
    ],
    [
      'bad operation id',
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: [{ content: 'x' }], async: true, operation_id: '../etc' },
      400,
      /operation_id/,
    ],
    [
      'unknown status filter',
      'GET',
      `/v1/default/banks/${bank}/operations?status=done`,
      undefined,
      400,
      /status/,
    ],
    ['unknown type filter', 'GET', `/v1/default/banks/${bank}/operations?type=magic`, undefined, 400, /type/],
    ['limit too large', 'GET', `/v1/default/banks/${bank}/operations?limit=1000`, undefined, 400, /limit/],
    ['limit not a number', 'GET', `/v1/default/banks/${bank}/operations?limit=ten`, undefined, 400, /limit/],
    [
      'huge offset',
      'GET',
      `/v1/default/banks/${bank}/operations?offset=99999999999999999999`,
      undefined,
      400,
      /offset/,
    ],
    ['unknown operation', 'GET', `/v1/default/banks/${bank}/operations/op-nope`, undefined, 404, /not found/],
    ['cancel unknown', 'DELETE', `/v1/default/banks/${bank}/operations/op-nope`, undefined, 404, /not found/],
  ];
  it.each(cases)('%s', async (_name, method, path, body, status, message) => {
    const res = await http(base(), method, path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(typeof res.body.error.code).toBe('string');
    const list = await http(base(), 'GET', `/v1/default/banks/${bank}/operations`);
    expect(list.body.total).toBe(0);
  });

  it('sends large synchronous batches to async with 413', async () => {
    const res = await http(base(), 'POST', `/v1/default/banks/${bank}/memories`, { items: documents(101) });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/"async": true/);
  });

  it('hides operations of other banks', async () => {
    const other = uniqueBank();
    const op = await submit(other, documents(1));
    const res = await http(base(), 'GET', `${ops(bank)}/${op.body.operation_id}`);
    expect(res.status).toBe(404);
  });
});

describe('synchronous retain', () => {
  it('stores small batches in the request and answers with the memory ids', async () => {
    const bank = uniqueBank();
    const res = await http(base(), 'POST', `/v1/default/banks/${bank}/memories`, { items: documents(3) });
    expect(res.status).toBe(200);
    expect(res.body.bank_id).toBe(bank);
    expect(res.body.items_count).toBe(3);
    expect(res.body.memory_ids.length).toBeGreaterThanOrEqual(3);
    const memory = await http(base(), 'GET', `/v1/default/banks/${bank}/memories/${res.body.memory_ids[0]}`);
    expect(memory.status).toBe(200);
    expect(memory.body.document_id).toBe('doc-0');
  });
});
