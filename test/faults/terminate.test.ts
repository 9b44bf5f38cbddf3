import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bankQueueStateQuery,
  bankQueueWorkflowId,
  operationWorkflowId,
} from '../../workflows/definitions.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  expectExactMemories,
  memoryCensus,
  pollOperation,
  type Reference,
  referenceSubset,
  sleep,
} from '../support/faults.js';
import { documents, operationPath, waitFor } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// One operation per bank at a time: a slot that a killed workflow kept would block everything after it.
const BANK_CONCURRENCY = 1;
const BIG = documents(3_000);
const small = (k: number) => documents(30, 10_000 + 30 * k);

let svc: TestService;
let reference: Reference;
let cancelledByTemporal: { bank: string; operationId: string } | undefined;
const log = new AnswerLog();

beforeAll(async () => {
  svc = await startService({ chunkSize: 100, bankConcurrency: BANK_CONCURRENCY });
  reference = await cleanRun(svc.url, Array.from({ length: 6 }, (_, k) => small(k)).flat());
});

afterAll(async () => {
  await svc?.stop();
});

const submit = async (bank: string, items: unknown[]) => {
  const res = await attempt(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.operation_id as string;
};

const handleOf = (bank: string, operationId: string) =>
  svc.runtime.client.workflow.getHandle(operationWorkflowId('batch_retain', bank, operationId));

const runningWithProgress = (bank: string, operationId: string) =>
  pollOperation(() => svc.url, bank, operationId, {
    until: (op) =>
      (op.status === 'running' && op.progress >= 200) || !['pending', 'running'].includes(op.status),
    timeoutMs: 60_000,
    log,
  });

/** The bank is not blocked: operations submitted after the fault run and complete, with exact memories. */
async function nextOperationsComplete(bank: string, first: number) {
  const batches = [small(first), small(first + 1)];
  const ids = [];
  for (const items of batches) ids.push(await submit(bank, items));
  for (const [i, id] of ids.entries()) {
    const op = await pollOperation(() => svc.url, bank, id, { timeoutMs: 60_000, log });
    await expectExactMemories(svc.url, bank, op, referenceSubset(reference, batches[i]!));
  }
}

/**
 * Memories stop appearing once in-flight chunks have noticed the end (their next heartbeat): the bank's count
 * holds still for 1.5 s, and only then is every memory listed.
 */
async function settledCensus(bank: string, operationId: string) {
  const deadline = Date.now() + 20_000;
  const count = async () =>
    (await attempt(svc.url, 'GET', `/v1/default/banks/${bank}/memories?limit=1`)).body.total as number;
  let last = await count();
  for (;;) {
    await sleep(1_500);
    const now = await count();
    if (now === last) return memoryCensus(svc.url, bank, operationId);
    if (Date.now() > deadline) throw new Error(`memories of ${operationId} still appear 20 s after it ended`);
    last = now;
  }
}

describe('an operation workflow ended from outside the API', () => {
  it('terminated while running (as from the Temporal UI): failed within seconds, bank slot released', async () => {
    const bank = uniqueBank('terminate');
    const operationId = await submit(bank, BIG);
    const seen = await runningWithProgress(bank, operationId);
    expect(seen.status).toBe('running');

    await handleOf(bank, operationId).terminate('from the UI');
    const terminatedAt = Date.now();
    const operation = await pollOperation(() => svc.url, bank, operationId, {
      until: (op) => op.status !== 'running',
      timeoutMs: 15_000,
      log,
    });
    const noticedMs = Date.now() - terminatedAt;
    console.info(`terminated operation showed ${operation.status} after ${noticedMs} ms`);
    expect(operation.status).toBe('failed');
    expect(operation.error).toMatch(/terminat/i);
    expect(operation.completed_at).not.toBeNull();
    expect(noticedMs).toBeLessThan(5_000);

    // Whatever the chunks in flight still wrote is listed, and then nothing more is written.
    const census = await settledCensus(bank, operationId);
    expect(new Set(census.ids).size).toBe(census.ids.length);
    expect(census.total).toBeGreaterThan(0);
    expect(census.total).toBeLessThan(BIG.length);
    const after = await attempt(svc.url, 'GET', operationPath(bank, operationId));
    expect(after.body.status).toBe('failed');

    const queue = await svc.runtime.client.workflow
      .getHandle(bankQueueWorkflowId(bank))
      .query(bankQueueStateQuery);
    const workflowId = operationWorkflowId('batch_retain', bank, operationId);
    expect([...queue.running, ...queue.queue].map((e) => e.workflowId)).not.toContain(workflowId);

    await nextOperationsComplete(bank, 0);
    expect(log.serverErrors).toEqual([]);
  }, 180_000);

  it('terminated while queued behind another operation: failed by the sweep, the queue moves on', async () => {
    const bank = uniqueBank('terminate-queued');
    const first = await submit(bank, BIG);
    await runningWithProgress(bank, first);
    const queued = await submit(bank, small(2));
    const pending = await attempt(svc.url, 'GET', operationPath(bank, queued));
    expect(pending.body.status).toBe('pending');
    // The 202 comes before the workflow start; someone in the UI sees the workflow once it waits in the queue.
    const queuedWorkflowId = operationWorkflowId('batch_retain', bank, queued);
    await waitFor('the operation to wait in its bank queue', async () => {
      const queue = await svc.runtime.client.workflow
        .getHandle(bankQueueWorkflowId(bank))
        .query(bankQueueStateQuery);
      return queue.queue.some((entry) => entry.workflowId === queuedWorkflowId);
    });

    await handleOf(bank, queued).terminate('from the UI');
    const operation = await pollOperation(() => svc.url, bank, queued, {
      until: (op) => op.status !== 'pending',
      timeoutMs: 20_000,
      log,
    });
    expect(operation.status).toBe('failed');
    expect(operation.error).toMatch(/terminat/i);
    expect(operation.started_at).toBeNull();
    expect((await memoryCensus(svc.url, bank, queued)).total).toBe(0);

    // The running one is cancelled over the API to free the bank sooner (409: it finished meanwhile); then
    // the bank takes new work.
    const cancel = await attempt(svc.url, 'DELETE', operationPath(bank, first));
    expect([200, 202, 409], JSON.stringify(cancel.body)).toContain(cancel.status);
    const ended = await pollOperation(() => svc.url, bank, first, { timeoutMs: 30_000, log });
    expect(['cancelled', 'completed']).toContain(ended.status);
    await nextOperationsComplete(bank, 3);
    expect(log.serverErrors).toEqual([]);
  }, 180_000);

  it("Temporal's own cancel request (the UI's Cancel button): cancelled, execution closed as Cancelled", async () => {
    const bank = uniqueBank('temporal-cancel');
    const operationId = await submit(bank, BIG);
    const seen = await runningWithProgress(bank, operationId);
    expect(seen.status).toBe('running');

    const handle = handleOf(bank, operationId);
    await handle.cancel();
    const cancelledAt = Date.now();
    const operation = await pollOperation(() => svc.url, bank, operationId, { timeoutMs: 15_000, log });
    console.info(
      `cancel request ended the operation as ${operation.status} after ${Date.now() - cancelledAt} ms`,
    );
    expect(operation.status).toBe('cancelled');
    expect(operation.progress).toBeGreaterThan(0);
    expect(operation.progress).toBeLessThan(BIG.length);
    await waitFor('the execution to close', async () => (await handle.describe()).status.name !== 'RUNNING');
    // The TypeScript client spells the closed status CANCELLED (the server's enum says CANCELED).
    expect((await handle.describe()).status.name).toBe('CANCELLED');

    // The result lists exactly what was written, and progress counts exactly the documents retained.
    const ids: string[] = operation.result.memory_ids;
    expect(new Set(ids).size).toBe(ids.length);
    const census = await settledCensus(bank, operationId);
    expect([...census.ids].sort()).toEqual([...ids].sort());
    expect(Object.keys(census.perDocument)).toHaveLength(operation.progress);

    await nextOperationsComplete(bank, 4);
    expect(log.serverErrors).toEqual([]);
    cancelledByTemporal = { bank, operationId };
  }, 180_000);

  it('a row left unfinished behind an execution that closed as Cancelled is reconciled as cancelled', async () => {
    // What the reconciler is for: the execution closed without writing its row. The previous case's execution
    // closed as Cancelled; its row is put back to running as if that final write had never happened.
    expect(cancelledByTemporal, 'needs the cancel-request case to have run').toBeDefined();
    const { bank, operationId } = cancelledByTemporal!;
    await svc.db.query(
      `UPDATE operations SET status = 'running', completed_at = NULL, error = NULL WHERE id = $1`,
      [operationId],
    );
    const operation = await pollOperation(() => svc.url, bank, operationId, {
      until: (op) => op.status !== 'running',
      timeoutMs: 15_000,
      log,
    });
    expect(operation.status, `reconciled with error: ${operation.error}`).toBe('cancelled');
    expect(operation.error).toBeNull();
  }, 60_000);
});
