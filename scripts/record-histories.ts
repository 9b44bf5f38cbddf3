// Records real histories of every workflow type, from a real dev server, for the replay suite
// (test/deploy/replay.test.ts). Run `npm run histories:record` only after an intended change that running
// operations cannot survive has been released (see docs/ARCHITECTURE.md), never to make a failing replay pass.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { type Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { TrackedCalls } from '../src/temporal/tracked-calls.js';
import { bundleWorkflows } from '../src/temporal/worker.js';
import { HISTORIES_DIR, historyToRecord } from '../test/deploy/history-files.js';
import { type FakeProvider, providerEnv, startFakeProvider } from '../test/support/fake-model-provider.js';
import { freePort } from '../test/support/ports.js';
import { startReceiver } from '../test/webhooks/receiver.js';
import { operationChildOptions } from '../workflows/child-options.js';
import {
  bankQueueWorkflowId,
  modelTaskQueue,
  operationWorkflowId,
  type ReflectInput,
  reflectWorkflowId,
  TERMINAL_STATUSES,
} from '../workflows/definitions.js';
import { batchRetainWorkflow, reflectWorkflow } from '../workflows/index.js';

// Small enough that a batch of a few dozen chunks, and a bank queue, cross continue-as-new runs.
const SUGGEST_CONTINUE_AS_NEW_AT = 40;
const TIMEOUT_MS = 120_000;

const logger = createLogger('error');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function docs(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({
    content: `Alice Johnson met the team from Globex in Oslo on day ${i}. They agreed on milestone ${i}.`,
    document_id: `${prefix}-${i}`,
  }));
}

/** The fields of the API's answers this script reads. */
interface Answer {
  operation_id: string;
  status: string;
  progress: number;
  total: number;
  operations: { status: string }[];
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json()) as Answer;
  if (res.status >= 300)
    throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(parsed)}`);
  return parsed;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const isEnded = (status: string) => (TERMINAL_STATUSES as readonly string[]).includes(status);

const operation = (base: string, bank: string, id: string) =>
  call(base, 'GET', `/v1/default/banks/${bank}/operations/${id}`);

async function ended(base: string, bank: string, id: string, expected: string): Promise<Answer> {
  const op = await until(`operation ${id} to end`, async () => {
    const o = await operation(base, bank, id);
    return isEnded(o.status) && o;
  });
  if (op.status !== expected) throw new Error(`operation ${id} ended ${op.status}, not ${expected}`);
  return op;
}

async function bankIdle(base: string, bank: string): Promise<void> {
  await until(`every operation of ${bank} to end`, async () => {
    const list = await call(base, 'GET', `/v1/default/banks/${bank}/operations?limit=100`);
    return list.operations.every((o: { status: string }) => isEnded(o.status));
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hindsight-histories-'));
  const server = await startDevServer({
    dbFilename: undefined,
    port: await freePort(),
    uiPort: undefined,
    namespace: 'default',
    cliPath: process.env.TEMPORAL_CLI_PATH,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW_AT },
    logger,
  });
  const receiver = await startReceiver(2);
  const provider = await startFakeProvider();
  const env = {
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_PORT: '0',
    HINDSIGHT_LOG_LEVEL: 'error',
    HINDSIGHT_BANK_CONCURRENCY: '1',
    HINDSIGHT_CHUNK_SIZE: '5',
    HINDSIGHT_CHUNK_CONCURRENCY: '2',
    HINDSIGHT_EXTRACTION_THREADS: '0',
    HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true',
    HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '100',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: 'histories',
  };
  const config = loadConfig(env);
  const bundle = await bundleWorkflows();
  const runtime = await startRuntime(config, { api: true, worker: true, logger, workflowBundle: bundle });
  const base = runtime.url!;
  // Which workflow id stands for which scenario; everything else the server lists is named by its type.
  const scenarios = new Map<string, string>();
  try {
    // A completed batch over many runs, its follow-ups, explicit maintenance, and a webhook retried twice.
    const bank = 'histories-retain';
    await call(base, 'POST', `/v1/default/banks/${bank}/webhooks`, {
      url: receiver.url,
      events: ['operation.completed'],
    });
    const batch = await call(base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs(60, 'retain'),
      async: true,
    });
    scenarios.set(
      operationWorkflowId('batch_retain', bank, batch.operation_id),
      'batch_retain-completed-over-runs',
    );
    await ended(base, bank, batch.operation_id, 'completed');
    await bankIdle(base, bank);
    const graph = await call(base, 'POST', `/v1/default/banks/${bank}/graph/update`, {});
    scenarios.set(operationWorkflowId('graph_update', bank, graph.operation_id), 'graph_update');
    await ended(base, bank, graph.operation_id, 'completed');
    const regen = await call(base, 'POST', `/v1/default/banks/${bank}/observations/regenerate`, {});
    scenarios.set(
      operationWorkflowId('regenerate_observations', bank, regen.operation_id),
      'regenerate_observations',
    );
    await ended(base, bank, regen.operation_id, 'completed');
    await bankIdle(base, bank);
    scenarios.set(bankQueueWorkflowId(bank), 'bank_queue');
    await until('a webhook delivery to succeed after two failed attempts', async () =>
      receiver.received.some((d) => d.answered === 200),
    );

    // Cancels: one while pending behind a running batch (one slot per bank), then that one while running.
    const cancelBank = 'histories-cancel';
    const running = await call(base, 'POST', `/v1/default/banks/${cancelBank}/memories`, {
      items: docs(3_000, 'running'),
      async: true,
    });
    const pending = await call(base, 'POST', `/v1/default/banks/${cancelBank}/memories`, {
      items: docs(5, 'pending'),
      async: true,
    });
    await call(base, 'DELETE', `/v1/default/banks/${cancelBank}/operations/${pending.operation_id}`);
    await ended(base, cancelBank, pending.operation_id, 'cancelled');
    await until('the first batch to make progress', async () => {
      const o = await operation(base, cancelBank, running.operation_id);
      return o.status === 'running' && o.progress > 0;
    });
    await call(base, 'DELETE', `/v1/default/banks/${cancelBank}/operations/${running.operation_id}`);
    const cancelled = await ended(base, cancelBank, running.operation_id, 'cancelled');
    if (cancelled.progress >= cancelled.total) throw new Error('the batch finished before it was cancelled');
    scenarios.set(
      operationWorkflowId('batch_retain', cancelBank, pending.operation_id),
      'batch_retain-cancelled-pending',
    );
    scenarios.set(
      operationWorkflowId('batch_retain', cancelBank, running.operation_id),
      'batch_retain-cancelled-running',
    );
    scenarios.set(bankQueueWorkflowId(cancelBank), 'bank_queue-cancels');

    // A chunk that fails for good: a worker of its own whose chunk activity refuses every item.
    const faultyQueue = 'histories-faulty-chunk';
    const { connection, activities, close } = await workerParts(server.address, runtime, config, (bankId) =>
      runtime.operations.startFollowUps(bankId),
    );
    const faulty = await Worker.create({
      connection,
      taskQueue: faultyQueue,
      workflowBundle: bundle,
      activities: {
        ...activities,
        retainChunk: async () => {
          throw ApplicationFailure.nonRetryable('the chunk cannot be retained', 'ChunkRefused');
        },
      },
    });
    const failBank = 'histories-fail';
    const failId = 'op-failed-chunk';
    const failHandle = await runtime.client.workflow.start(batchRetainWorkflow, {
      ...operationChildOptions({
        type: 'batch_retain',
        bankId: failBank,
        operationId: failId,
        taskQueue: faultyQueue,
      }),
      args: [{ operationId: failId, bankId: failBank, items: docs(10, 'fail'), chunkSize: 5 }],
    });
    const outcome = await faulty.runUntil(failHandle.result());
    await close();
    if (outcome.status !== 'failed') throw new Error(`the failing batch ended ${outcome.status}`);
    scenarios.set(failHandle.workflowId, 'batch_retain-failed-chunk');
    scenarios.set(bankQueueWorkflowId(failBank), 'bank_queue-failed-chunk');

    // Deletes: a document, then the whole bank, both queued through the bank's queue.
    const deleteBank = 'histories-delete';
    await call(base, 'POST', `/v1/default/banks/${deleteBank}/memories`, { items: docs(12, 'delete') });
    const documentDelete = await call(base, 'DELETE', `/v1/default/banks/${deleteBank}/documents/delete-0`);
    scenarios.set(
      operationWorkflowId('delete_document', deleteBank, documentDelete.operation_id),
      'delete_document',
    );
    await ended(base, deleteBank, documentDelete.operation_id, 'completed');
    const bankDelete = await call(base, 'DELETE', `/v1/default/banks/${deleteBank}`);
    scenarios.set(operationWorkflowId('delete_bank', deleteBank, bankDelete.operation_id), 'delete_bank');
    await ended(base, deleteBank, bankDelete.operation_id, 'completed');
    scenarios.set(bankQueueWorkflowId(deleteBank), 'bank_queue-deletes');

    // Reflect, on workers of their own whose activities have a chat model (the fake provider): answered,
    // and failed because the provider kept answering 500.
    const reflectScenarios = await recordReflects(server.address, runtime, bundle, provider, env, bank);
    for (const [id, scenario] of reflectScenarios) scenarios.set(id, scenario);

    await writeHistories(runtime.client, scenarios, process.argv.includes('--add'));
  } finally {
    await runtime.stop();
    await provider.close();
    await receiver.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A worker connection and the activities of a worker of our own, beside the runtime's. */
async function workerParts(
  address: string,
  runtime: Awaited<ReturnType<typeof startRuntime>>,
  config: ReturnType<typeof loadConfig>,
  startFollowUps: (bankId: string) => Promise<void>,
) {
  const connection = await NativeConnection.connect({ address });
  const calls = await Connection.connect({ address });
  const activities = createActivities({
    db: runtime.db,
    client: runtime.client,
    calls: new TrackedCalls(calls),
    config,
    logger,
    startFollowUps,
    extraction: runtime.extraction,
  });
  const close = async () => {
    await connection.close();
    await calls.close();
  };
  return { connection, activities, close };
}

/** Reflect workflows run to their end on a task queue whose workers call the fake provider; their ids by scenario. */
async function recordReflects(
  address: string,
  runtime: Awaited<ReturnType<typeof startRuntime>>,
  workflowBundle: Awaited<ReturnType<typeof bundleWorkflows>>,
  provider: FakeProvider,
  env: Record<string, string>,
  bank: string,
): Promise<Map<string, string>> {
  const taskQueue = 'histories-reflect';
  const config = loadConfig({
    ...env,
    ...providerEnv(provider),
    HINDSIGHT_API_EMBEDDINGS_PROVIDER: 'none',
    TEMPORAL_TASK_QUEUE: taskQueue,
  });
  const { connection, activities, close } = await workerParts(address, runtime, config, async () => {});
  const workers = [
    await Worker.create({ connection, taskQueue, workflowBundle, activities }),
    await Worker.create({ connection, taskQueue: modelTaskQueue(taskQueue), activities }),
  ];
  const models = { chat: true, embeddings: false, callTimeoutMs: 10_000, outageTimeoutMs: 60_000 };
  const input = (query: string): ReflectInput => ({ bankId: bank, query, limit: 10, models });
  const scenarios = new Map<string, string>();
  const run = async (id: string, scenario: string, args: ReflectInput, expectFailure: boolean) => {
    const workflowId = reflectWorkflowId(bank, id);
    const handle = await runtime.client.workflow.start(reflectWorkflow, {
      workflowId,
      taskQueue,
      args: [args],
    });
    const failed = await handle.result().then(
      () => false,
      () => true,
    );
    if (failed !== expectFailure) throw new Error(`reflect ${scenario} ${failed ? 'failed' : 'answered'}`);
    scenarios.set(workflowId, scenario);
  };
  const running = workers.map((w) => w.run());
  try {
    await run('answered', 'reflect', input('Where did Alice Johnson meet the team?'), false);
    await run('no-memories', 'reflect-no-memories', input('Zyxwv quorble?'), false);
    provider.script(['500', '500', '500'], 'Question: Who is Alice Johnson?');
    await run('provider-failed', 'reflect-provider-failed', input('Who is Alice Johnson?'), true);
  } finally {
    for (const w of workers) w.shutdown();
    await Promise.all(running);
    await close();
  }
  return scenarios;
}

const LABELS: Record<string, string> = {
  batchRetainWorkflow: 'batch_retain-follow-up',
  graphUpdateWorkflow: 'graph_update-follow-up',
  regenerateObservationsWorkflow: 'regenerate_observations-follow-up',
  webhookDeliveryWorkflow: 'webhook_delivery-retried',
};

/**
 * Every run the server knows, oldest first, one file each, named by scenario. Without `add`, old files go
 * first; with it (`-- --add`, for a new workflow type or scenario) every recorded file stays and only
 * scenarios that have none yet are written, so histories of older code keep guarding it.
 */
async function writeHistories(client: Client, scenarios: Map<string, string>, add: boolean): Promise<void> {
  const runs: { workflowId: string; runId: string; type: string; start: number }[] = [];
  for await (const e of client.workflow.list()) {
    runs.push({ workflowId: e.workflowId, runId: e.runId, type: e.type, start: e.startTime.getTime() });
  }
  runs.sort((a, b) => a.start - b.start || a.workflowId.localeCompare(b.workflowId));
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const recorded = new Set<string>();
  for (const file of readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'))) {
    if (add) recorded.add(file.replace(/-\d+\.json$/, ''));
    else rmSync(join(HISTORIES_DIR, file));
  }
  const counts = new Map<string, number>();
  for (const run of runs) {
    const scenario = scenarios.get(run.workflowId) ?? LABELS[run.type] ?? run.type;
    if (recorded.has(scenario)) continue;
    const n = (counts.get(scenario) ?? 0) + 1;
    counts.set(scenario, n);
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const file = join(HISTORIES_DIR, `${scenario}-${String(n).padStart(2, '0')}.json`);
    const record = {
      scenario,
      workflowType: run.type,
      workflowId: run.workflowId,
      history: historyToRecord(history),
    };
    writeFileSync(file, `${JSON.stringify(record)}\n`);
  }
  const missing = [...new Set(scenarios.values())].filter((s) => !counts.has(s) && !recorded.has(s));
  if (missing.length > 0) throw new Error(`no history listed for ${missing.join(', ')}`);
  const written = [...counts.values()].reduce((a, b) => a + b, 0);
  console.info(`wrote ${written} of ${runs.length} histories: ${JSON.stringify(Object.fromEntries(counts))}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
