import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinBankQueue } from '../../src/operations/bank-queue.js';
import type { DevServer } from '../../src/temporal/dev-server.js';
import { MAX_RUN_EVENTS } from '../../workflows/bank-queue.js';
import { bankQueueStateQuery, bankQueueWorkflowId } from '../../workflows/definitions.js';
import { startTestDevServer } from '../support/dev-server.js';
import { attempt, memoryCensus, pollOperation, teardown } from '../support/faults.js';
import { documents, waitFor } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// A thousand operations through one bank's queue, on a server with Temporal's default history limits. Most
// are operations whose workflow is already gone (the queue grants them and frees their slot at once, the
// cheapest way to push many through: the queue grants one at a time, a few per second on the dev server);
// a few real batches go through the same queue meanwhile.
const FLOOD = 1_000;
const REAL_BATCHES = 3;
// Submitters at once: the load that crashed the worker ("async hook stack has become corrupted") when an
// activation amid the signal flood outlived the SDK's 5 s stop on a starved CPU (WORKFLOW_ACTIVATION_BOUND).
const SENDERS = 16;
// One workflow task can bring in a burst of signals past the bound before the run hands over.
const RUN_EVENTS_SLACK = 300;

let server: DevServer | undefined;
let svc: TestService | undefined;

beforeAll(async () => {
  server = await startTestDevServer();
  svc = await startService({ env: { TEMPORAL_ADDRESS: server.address } });
}, 120_000);

afterAll(() =>
  teardown(
    () => svc?.stop(),
    () => server?.stop(),
  ),
);

/** Every run of a workflow id with its history: length, size, and the operations it granted a slot to. */
async function runsOf(client: Client, workflowId: string) {
  const runs: {
    runId: string;
    status: string;
    start: number;
    events: number;
    bytes: number;
    grants: string[];
    slowestTaskMs: number;
  }[] = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const handle = client.workflow.getHandle(workflowId, e.runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const grants = (history.events ?? []).flatMap((event) => {
      const target =
        event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
      return target ? [target] : [];
    });
    // A workflow task's time on the worker: from its start to its completion (or failure, or time-out).
    let startedAt = 0;
    let slowestTaskMs = 0;
    for (const event of history.events ?? []) {
      const at =
        Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      if (event.workflowTaskStartedEventAttributes) startedAt = at;
      else if (
        event.workflowTaskCompletedEventAttributes ||
        event.workflowTaskFailedEventAttributes ||
        event.workflowTaskTimedOutEventAttributes
      )
        slowestTaskMs = Math.max(slowestTaskMs, at - startedAt);
    }
    runs.push({
      slowestTaskMs,
      runId: e.runId,
      status: e.status.name,
      start: e.startTime.getTime(),
      events: description.historyLength,
      bytes: description.historySize ?? 0,
      grants,
    });
  }
  return runs.sort((a, b) => a.start - b.start);
}

describe(`one bank's queue under ${FLOOD} operations`, () => {
  it('hands over to new runs before its history grows large, and loses and repeats no grant', async () => {
    const bank = uniqueBank('flood');
    const { client, config } = svc!.runtime;
    const gone = Array.from({ length: FLOOD }, (_, i) => `batch_retain/${bank}/gone-${i}`);
    const started = Date.now();

    const submit = (i: number) =>
      attempt(svc!.url, 'POST', `/v1/default/banks/${bank}/memories`, {
        items: documents(20, i * 100),
        async: true,
      });
    const real: string[] = [];
    const flood = async (sender: number) => {
      for (let i = sender; i < FLOOD; i += SENDERS) {
        await joinBankQueue(client, config, {
          bankId: bank,
          entry: { workflowId: gone[i]!, operationId: `gone-${i}`, type: 'batch_retain', seq: 1_000_000 + i },
          limit: 2,
        });
        if (i % Math.floor(FLOOD / REAL_BATCHES) === 0 && real.length < REAL_BATCHES) {
          const res = await submit(real.length);
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          real.push(res.body.operation_id);
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, (_, s) => flood(s)));
    expect(real).toHaveLength(REAL_BATCHES);

    for (const id of real) {
      const op = await pollOperation(() => svc!.url, bank, id, { timeoutMs: 150_000, intervalMs: 250 });
      expect(op.status, `operation ${id} ended ${op.status}: ${op.error}`).toBe('completed');
      expect(op.progress).toBe(20);
      const census = await memoryCensus(svc!.url, bank, id);
      expect(census.total).toBe(op.result.memory_ids.length);
    }
    const handle = client.workflow.getHandle(bankQueueWorkflowId(bank));
    await waitFor(
      'the bank queue to have admitted everything',
      async () => {
        const state = await handle.query(bankQueueStateQuery);
        return state.queue.length === 0 && state.running.length === 0;
      },
      150_000,
    );
    const elapsed = Date.now() - started;

    const runs = await runsOf(client, bankQueueWorkflowId(bank));
    console.info(
      `bank queue: ${FLOOD + REAL_BATCHES} operations in ${elapsed} ms over ${runs.length} runs; ` +
        `events per run ${runs.map((r) => r.events).join(', ')}; bytes per run ${runs.map((r) => r.bytes).join(', ')}; ` +
        `slowest workflow task per run ${runs.map((r) => r.slowestTaskMs).join(', ')} ms`,
    );
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.slice(0, -1).every((r) => r.status === 'CONTINUED_AS_NEW')).toBe(true);
    expect(['RUNNING', 'COMPLETED']).toContain(runs.at(-1)!.status);
    for (const run of runs) expect(run.events).toBeLessThanOrEqual(MAX_RUN_EVENTS + RUN_EVENTS_SLACK);
    // Every operation was let through exactly once, whichever run held it when the queue handed over.
    const grants = runs.flatMap((r) => r.grants);
    expect(grants.filter((g) => g.includes('/gone-')).sort()).toEqual([...gone].sort());
    expect(new Set(grants).size).toBe(grants.length);
    for (const id of real) expect(grants.filter((g) => g.endsWith(`/${id}`))).toHaveLength(1);
  }, 240_000);
});
