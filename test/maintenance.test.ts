import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, ChildWorkflowFailure } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundlerOptions } from '../src/temporal/worker.js';
import { documents, http, waitFor, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ bankConcurrency: 1, chunkSize: 10 });
});
afterAll(async () => {
  await svc?.stop();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const get = (path: string) => http(svc.url, 'GET', path);
const post = (path: string, body: unknown) => http(svc.url, 'POST', path, body);

async function retain(bank: string, items: unknown[]) {
  const res = await post(`${bankPath(bank)}/memories`, { items, async: true });
  expect(res.status).toBe(202);
  const { operation } = await waitForOperation(svc.url, bank, res.body.operation_id);
  expect(operation.status).toBe('completed');
  return operation;
}

/** Waits until the bank has no pending or running operation (follow-up work included). */
async function settle(bank: string) {
  await waitFor('the bank to settle', async () => {
    const list = await get(`${bankPath(bank)}/operations?limit=100`);
    return list.body.operations.every((o: any) => !['pending', 'running'].includes(o.status));
  });
}

async function runOperation(bank: string, path: string, body: unknown = {}) {
  const res = await post(`${bankPath(bank)}${path}`, body);
  expect(res.status).toBe(202);
  return (await waitForOperation(svc.url, bank, res.body.operation_id)).operation;
}

describe('what operations produce', () => {
  it('links two documents about the same person through one entity, its observation and a link', async () => {
    const bank = uniqueBank();
    const first = await retain(bank, [
      {
        content: 'Marie Curie won the Nobel Prize in Physics in 1903 for research on radiation.',
        document_id: 'curie-1',
      },
    ]);
    const second = await retain(bank, [
      {
        content:
          'In 1911 Marie Curie received a second Nobel Prize, this time in Chemistry, for discovering polonium.',
        document_id: 'curie-2',
      },
    ]);
    await settle(bank);

    const entities = await get(`${bankPath(bank)}/entities?limit=100`);
    const curie = entities.body.entities.filter((e: any) => /curie/i.test(e.name));
    expect(curie).toHaveLength(1);
    expect(curie[0].memory_count).toBe(2);

    const entity = await get(`${bankPath(bank)}/entities/${curie[0].id}`);
    expect(entity.status).toBe(200);
    const observation = entity.body.observation;
    expect(observation.text).toMatch(/Curie/);
    const cited = new Set(observation.memory_ids);
    expect(first.result.memory_ids.some((id: string) => cited.has(id))).toBe(true);
    expect(second.result.memory_ids.some((id: string) => cited.has(id))).toBe(true);

    const links = await get(`${bankPath(bank)}/memories/${first.result.memory_ids[0]}/links`);
    const toSecond = links.body.links.filter((l: any) => second.result.memory_ids.includes(l.target_id));
    expect(toSecond.map((l: any) => l.kind)).toContain('entity');
    expect(toSecond.every((l: any) => l.weight > 0 && l.weight <= 1)).toBe(true);

    const recall = await post(`${bankPath(bank)}/memories/recall`, { query: 'polonium chemistry', limit: 5 });
    expect(recall.status).toBe(200);
    expect(recall.body.results[0].id).toBe(second.result.memory_ids[0]);
    expect(recall.body.results[0].score).toBeGreaterThan(0);
  });

  it('re-running a graph update adds no duplicate links', async () => {
    const bank = uniqueBank();
    await retain(bank, documents(20));
    await settle(bank);
    const linkCount = async () => {
      const memories = await get(`${bankPath(bank)}/memories?limit=100`);
      let n = 0;
      for (const m of memories.body.memories) {
        const l = await get(`${bankPath(bank)}/memories/${m.id}/links`);
        n += l.body.links.filter((x: any) => x.direction === 'outgoing').length;
      }
      return n;
    };
    const before = await linkCount();
    expect(before).toBeGreaterThan(0);

    const incremental = await runOperation(bank, '/graph/update');
    expect(incremental).toMatchObject({ status: 'completed', total: 0, progress: 0 });
    const full = await runOperation(bank, '/graph/update', { full_rebuild: true });
    expect(full.status).toBe('completed');
    expect(full.total).toBe(full.progress);
    expect(full.total).toBeGreaterThanOrEqual(20);
    expect(full.result.links_created).toBe(0);
    expect(await linkCount()).toBe(before);
  });

  it('regenerates observations for the listed entities only', async () => {
    const bank = uniqueBank();
    await retain(bank, documents(10));
    await settle(bank);
    const entities = (await get(`${bankPath(bank)}/entities?limit=100`)).body.entities;
    const chosen = entities.slice(0, 2).map((e: any) => e.id);
    const op = await runOperation(bank, '/observations/regenerate', { entity_ids: chosen });
    expect(op).toMatchObject({ status: 'completed', total: 2, progress: 2 });
    expect(op.result.entities_processed).toBe(2);
    const bad = await post(`${bankPath(bank)}/observations/regenerate`, { entity_ids: ['not valid!'] });
    expect(bad.status).toBe(400);
  });
});

describe('per-bank queueing', () => {
  it('keeps a second operation of a bank pending while another bank runs, and cancelling it leaves nothing', async () => {
    const busy = uniqueBank('busy');
    const other = uniqueBank('other');
    const big = await post(`${bankPath(busy)}/memories`, { items: documents(1_500), async: true });
    await waitFor('the first batch to run', async () => {
      const op = await get(`${bankPath(busy)}/operations/${big.body.operation_id}`);
      return op.body.status === 'running';
    });
    const queued = await post(`${bankPath(busy)}/memories`, { items: documents(5), async: true });
    const elsewhere = await post(`${bankPath(other)}/memories`, { items: documents(5), async: true });

    const otherDone = await waitForOperation(svc.url, other, elsewhere.body.operation_id);
    expect(otherDone.operation.status).toBe('completed');
    const stillQueued = await get(`${bankPath(busy)}/operations/${queued.body.operation_id}`);
    expect(stillQueued.body.status).toBe('pending');

    const cancelled = await http(
      svc.url,
      'DELETE',
      `${bankPath(busy)}/operations/${queued.body.operation_id}`,
    );
    expect(cancelled.body).toMatchObject({ status: 'cancelled', started_at: null, progress: 0 });
    await http(svc.url, 'DELETE', `${bankPath(busy)}/operations/${big.body.operation_id}`);
    const leftovers = await get(`${bankPath(busy)}/memories?operation_id=${queued.body.operation_id}`);
    expect(leftovers.body.total).toBe(0);
  });

  it('admits waiting operations in submission order (FIFO)', async () => {
    const bank = uniqueBank();
    const blocker = await post(`${bankPath(bank)}/memories`, { items: documents(300), async: true });
    const waiting = [];
    for (let i = 0; i < 3; i++) {
      waiting.push((await post(`${bankPath(bank)}/memories`, { items: documents(3, i), async: true })).body);
    }
    const ended = [];
    for (const op of [blocker.body, ...waiting])
      ended.push((await waitForOperation(svc.url, bank, op.operation_id)).operation);
    for (let i = 1; i < ended.length; i++) {
      expect(ended[i].status).toBe('completed');
      expect(Date.parse(ended[i].started_at)).toBeGreaterThanOrEqual(Date.parse(ended[i - 1].completed_at));
    }
  });
});

describe('operations started by other workflows', () => {
  let worker: Worker;
  let connection: NativeConnection;
  let running: Promise<void>;
  const parentQueue = `parents-${randomUUID()}`;

  beforeAll(async () => {
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await Worker.create({
      connection,
      taskQueue: parentQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('./workflows/parent.ts', import.meta.url)),
        ...bundlerOptions,
      }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  it("shows a parent workflow's child retain in the API like any other", async () => {
    const bank = uniqueBank('child');
    const operationId = `op-child-${randomUUID().slice(0, 8)}`;
    const status = await svc.runtime.client.workflow.execute('ingestAsChild', {
      taskQueue: parentQueue,
      workflowId: `parent-${operationId}`,
      args: [{ bankId: bank, operationId, taskQueue: svc.taskQueue, items: documents(12) }],
    });
    expect(status).toBe('completed');
    const op = await get(`${bankPath(bank)}/operations/${operationId}`);
    expect(op.body).toMatchObject({ type: 'batch_retain', status: 'completed', total: 12, progress: 12 });
    expect(op.body.result.memory_ids.length).toBeGreaterThanOrEqual(12);
    const list = await get(`${bankPath(bank)}/operations?type=batch_retain`);
    expect(list.body.operations.map((o: any) => o.operation_id)).toContain(operationId);
  });

  it('lets the API cancel a child retain', async () => {
    const bank = uniqueBank('child');
    const operationId = `op-child-${randomUUID().slice(0, 8)}`;
    const handle = await svc.runtime.client.workflow.start('startRetainChild', {
      taskQueue: parentQueue,
      workflowId: `parent-${operationId}`,
      args: [{ bankId: bank, operationId, taskQueue: svc.taskQueue, items: documents(1_500) }],
    });
    await waitFor('the child to run', async () => {
      const op = await get(`${bankPath(bank)}/operations/${operationId}`);
      return op.status === 200 && op.body.status === 'running';
    });
    const cancel = await http(svc.url, 'DELETE', `${bankPath(bank)}/operations/${operationId}`);
    expect([200, 202]).toContain(cancel.status);
    // The child closes as Cancelled, as a cancel from the Temporal UI leaves it: the parent's wait throws.
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const child = (failure as WorkflowFailedError).cause;
    expect(child).toBeInstanceOf(ChildWorkflowFailure);
    expect((child as ChildWorkflowFailure).cause).toBeInstanceOf(CancelledFailure);
    const op = await get(`${bankPath(bank)}/operations/${operationId}`);
    expect(op.body.status).toBe('cancelled');
  });
});
