import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import type { Database } from '../../src/store/db.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { operationWorkflowId } from '../../workflows/definitions.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  expectExactMemories,
  memoryCensus,
  pollOperation,
  type Reference,
  teardown,
} from '../support/faults.js';
import { documents, waitFor } from '../support/http.js';
import { openTestDatabase, uniqueBank } from '../support/service.js';

// A deploy in the middle of a batch: the worker running today's workflow code stops, and one with changed
// workflow code takes over the same task queue. Both run in this process, the API beside them.
const DOCS = 600;
const CHUNK = 20;
const variant = (name: string) => fileURLToPath(new URL(`./deploy-variants/${name}.ts`, import.meta.url));

const docs = documents(DOCS);
const taskQueue = `deploy-${randomUUID()}`;
// Everything the service and the Temporal SDK log, as JSON lines (the SDK's logger is the first runtime's).
const logLines: string[] = [];
const logger = pino(
  { level: 'warn', base: { service: 'hindsight' } },
  { write: (line) => logLines.push(line) },
);
let db: (Database & { url: string }) | undefined;
let api: Runtime | undefined;
let worker: Runtime | undefined;
let reference: Reference;
const bundles: Record<'released' | 'patched' | 'unpatched', { code: string }> = {} as never;

const config = (part: 'api' | 'worker') => ({
  ...loadConfig({
    HINDSIGHT_PORT: '0',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HINDSIGHT_CHUNK_SIZE: String(CHUNK),
    HINDSIGHT_CHUNK_CONCURRENCY: '2',
    ...(part === 'worker' ? { HINDSIGHT_EXTRACTION_THREADS: '0' } : {}),
  }),
  databaseUrl: db!.url,
});

async function deploy(code: keyof typeof bundles) {
  await worker?.stop();
  worker = await startRuntime(config('worker'), {
    api: false,
    worker: true,
    logger,
    workflowBundle: bundles[code],
  });
}

const base = () => api!.url!;
const memoOf = async (bank: string, operationId: string) =>
  (await api!.client.workflow.getHandle(operationWorkflowId('batch_retain', bank, operationId)).describe())
    .memo;
const markersOf = async (bank: string, operationId: string) => {
  const handle = api!.client.workflow.getHandle(operationWorkflowId('batch_retain', bank, operationId));
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((e) => e.markerRecordedEventAttributes).length;
};

async function submit(bank: string): Promise<string> {
  const res = await attempt(base(), 'POST', `/v1/default/banks/${bank}/memories`, {
    items: docs,
    async: true,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.operation_id;
}

const runningPast = (bank: string, id: string, log: AnswerLog) =>
  pollOperation(base, bank, id, {
    until: (op) => op.status !== 'pending' && (op.progress >= DOCS * 0.3 || op.status !== 'running'),
    timeoutMs: 60_000,
    log,
  });

beforeAll(async () => {
  db = await openTestDatabase();
  api = await startRuntime(config('api'), { api: true, worker: false, logger, reconcileEveryMs: 1_000 });
  bundles.released = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  [bundles.patched, bundles.unpatched] = await Promise.all([
    bundleWorkflows(variant('patched')),
    bundleWorkflows(variant('unpatched')),
  ]);
  await deploy('released');
  reference = await cleanRun(base(), docs);
}, 180_000);

afterAll(() =>
  teardown(
    () => worker?.stop(),
    () => api?.stop(),
    () => db?.close(),
  ),
);

describe('a deploy of changed workflow code in the middle of a batch', () => {
  it('with the change behind patched(): the batch finishes exactly, only new executions take the new path', async () => {
    const log = new AnswerLog();
    await deploy('released');
    const bank = uniqueBank('patched');
    const before = await submit(bank);
    const seen = await runningPast(bank, before, log);
    expect(seen.status, 'the batch ended before the deploy').toBe('running');
    await deploy('patched');
    const afterBank = uniqueBank('patched-new');
    const after = await submit(afterBank);

    for (const [b, id] of [
      [bank, before],
      [afterBank, after],
    ] as const) {
      const operation = await pollOperation(base, b, id, { timeoutMs: 120_000, intervalMs: 250, log });
      await expectExactMemories(base(), b, operation, reference);
    }
    expect((await memoOf(bank, before))?.retainPath).toBeUndefined();
    expect(await markersOf(bank, before)).toBe(0);
    expect((await memoOf(afterBank, after))?.retainPath).toBe('changed');
    expect(await markersOf(afterBank, after)).toBe(1);
    expect(log.serverErrors).toEqual([]);
  }, 240_000);

  it('without the patch: the batch stalls visibly, writes nothing twice, and finishes once fixed code is deployed', async () => {
    const log = new AnswerLog();
    await deploy('released');
    const bank = uniqueBank('unpatched');
    const id = await submit(bank);
    const seen = await runningPast(bank, id, log);
    expect(seen.status, 'the batch ended before the deploy').toBe('running');
    const linesBefore = logLines.length;
    await deploy('unpatched');

    const stalled = await pollOperation(base, bank, id, {
      until: (op) => op.status !== 'running' || /Nondeterminism/.test(op.error ?? ''),
      timeoutMs: 60_000,
      log,
    });
    expect(stalled.status).toBe('running');
    expect(stalled.error).toMatch(/^stalled: .*Nondeterminism error/);
    // The SDK's native core hands its log lines over in batches, so the line may come a moment later.
    const logged = await waitFor('a worker log line that names the non-determinism', async () =>
      logLines.slice(linesBefore).find((l) => l.includes('Nondeterminism')),
    );
    console.info(`the stalled operation reads: ${stalled.error}\nthe worker logs: ${logged}`);
    // What the first worker wrote stays, once: the store holds exactly the memories its progress counts.
    const partial = await memoryCensus(base(), bank, id);
    expect(new Set(partial.ids).size).toBe(partial.ids.length);
    const frozen = await pollOperation(base, bank, id, { until: () => true, timeoutMs: 10_000 });
    expect(frozen.progress).toBe(stalled.progress);

    await deploy('patched');
    const operation = await pollOperation(base, bank, id, { timeoutMs: 120_000, intervalMs: 250, log });
    await expectExactMemories(base(), bank, operation, reference);
    expect((await memoOf(bank, id))?.retainPath).toBeUndefined();
    expect(log.serverErrors).toEqual([]);
  }, 240_000);
});
