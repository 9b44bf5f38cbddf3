import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../src/temporal/dev-server.js';
import { BANK_ID, OPERATION_STATUS, OPERATION_TYPE } from '../../src/temporal/search-attributes.js';
import { operationWorkflowId } from '../../workflows/definitions.js';
import { graphUpdateWorkflow } from '../../workflows/index.js';
import { startTestDevServer } from '../support/dev-server.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  expectExactMemories,
  pollOperation,
  type Reference,
  teardown,
} from '../support/faults.js';
import { documents, operationPath, TERMINAL, waitFor } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// A server that suggests continue-as-new after a few dozen history events (Temporal's default is 4,096), so
// a batch of a thousand small chunks crosses many runs.
const HISTORY_EVENTS = 60;
const DOCS = 1_000;
const CHUNK = 10;

const docs = documents(DOCS);
let server: DevServer | undefined;
let svc: TestService | undefined;
let reference: Reference;

beforeAll(async () => {
  server = await startTestDevServer({
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': HISTORY_EVENTS },
  });
  svc = await startService({ chunkSize: CHUNK, env: { TEMPORAL_ADDRESS: server.address } });
  // The clean run: the same documents on the suite's ordinary server, in big chunks, one run.
  const plain = await startService({ chunkSize: 250 });
  try {
    reference = await cleanRun(plain.url, docs);
  } finally {
    await plain.stop();
  }
}, 120_000);

afterAll(() =>
  teardown(
    () => svc?.stop(),
    () => server?.stop(),
  ),
);

/** Every run of a workflow id, oldest first, as visibility lists them. */
async function runsOf(client: Client, workflowId: string) {
  const runs: { runId: string; status: string; startTime: Date }[] = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push({ runId: e.runId, status: e.status.name, startTime: e.startTime });
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** The whole run chain closed: one COMPLETED run at the end, every earlier one CONTINUED_AS_NEW. */
async function expectRunChain(client: Client, workflowId: string) {
  const runs = await waitFor(
    `every run of ${workflowId} to be listed as closed`,
    async () => {
      const listed = await runsOf(client, workflowId);
      return (
        listed.some((r) => r.status === 'COMPLETED') && listed.every((r) => r.status !== 'RUNNING') && listed
      );
    },
    30_000,
  );
  const statuses = runs.map((r) => r.status);
  expect(runs.length, `runs: ${statuses}`).toBeGreaterThan(1);
  expect(statuses.at(-1)).toBe('COMPLETED');
  expect(
    statuses.slice(0, -1).every((s) => s === 'CONTINUED_AS_NEW'),
    `runs: ${statuses}`,
  ).toBe(true);
  const first = await client.workflow.getHandle(workflowId, runs[0]!.runId).describe();
  expect(first.status.name).toBe('CONTINUED_AS_NEW');
  return runs;
}

const linksOfBank = (bank: string) =>
  svc!.db.query<{ memory_id: string; target_id: string; kind: string; weight: number }>(
    `SELECT l.memory_id, l.target_id, l.kind, l.weight
     FROM memory_links l JOIN memories m ON m.id = l.memory_id
     WHERE m.bank_id = $1 ORDER BY l.memory_id, l.target_id, l.kind`,
    [bank],
  );

describe(`continue-as-new under a ${HISTORY_EVENTS}-event history suggestion`, () => {
  const bank = uniqueBank('can');

  it(`a ${DOCS}-document batch in chunks of ${CHUNK} crosses runs and completes exactly`, async () => {
    const log = new AnswerLog();
    const submitted = await attempt(svc!.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
    });
    expect(submitted.status).toBe(202);
    const operationId: string = submitted.body.operation_id;
    const progressSeen: number[] = [];
    const operation = await pollOperation(() => svc!.url, bank, operationId, {
      until: (op) => {
        progressSeen.push(op.progress);
        return TERMINAL.includes(op.status);
      },
      timeoutMs: 150_000,
      intervalMs: 200,
      log,
    });
    await expectExactMemories(svc!.url, bank, operation, reference, { bankHoldsOnlyThis: true });
    // Across runs, progress never went backwards.
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));
    const runs = await expectRunChain(
      svc!.runtime.client,
      operationWorkflowId('batch_retain', bank, operationId),
    );
    console.info(`batch_retain: ${runs.length} runs`);
    expect(log.serverErrors).toEqual([]);
  }, 180_000);

  it('a full graph_update in chunks of 10 crosses runs and writes the same links as one in big chunks', async () => {
    // The batch queued its own graph_update (chunks of 200): once the bank is idle, its links are the
    // baseline.
    await waitFor(
      'the follow-up operations of the batch to end',
      async () => {
        const list = await attempt(svc!.url, 'GET', `/v1/default/banks/${bank}/operations?limit=100`);
        const ops = list.body.operations as { type: string; status: string }[];
        return ops.some((o) => o.type === 'graph_update') && ops.every((o) => TERMINAL.includes(o.status));
      },
      120_000,
    );
    const baseline = await linksOfBank(bank);
    expect(baseline.length).toBeGreaterThan(0);

    // Started as another Temporal application would start it, so the chunk size can be small.
    const operationId = `op-graph-${randomUUID()}`;
    const workflowId = operationWorkflowId('graph_update', bank, operationId);
    await svc!.runtime.client.workflow.start(graphUpdateWorkflow, {
      workflowId,
      taskQueue: svc!.taskQueue,
      args: [{ operationId, bankId: bank, fullRebuild: true, chunkSize: CHUNK }],
      typedSearchAttributes: [
        { key: BANK_ID, value: bank },
        { key: OPERATION_TYPE, value: 'graph_update' },
        { key: OPERATION_STATUS, value: 'pending' },
      ],
    });
    await waitFor(
      'the graph_update to register its row',
      async () => (await attempt(svc!.url, 'GET', operationPath(bank, operationId))).status === 200,
    );
    const operation = await pollOperation(() => svc!.url, bank, operationId, {
      timeoutMs: 150_000,
      intervalMs: 250,
    });
    expect(operation.status, `graph_update ended ${operation.status}: ${operation.error}`).toBe('completed');
    expect(operation.total).toBe(reference.memories);
    expect(operation.progress).toBe(operation.total);
    expect(operation.result).toMatchObject({ memories_processed: operation.total });

    const runs = await expectRunChain(svc!.runtime.client, workflowId);
    console.info(`graph_update: ${runs.length} runs`);
    expect(await linksOfBank(bank)).toEqual(baseline);
  }, 180_000);
});
