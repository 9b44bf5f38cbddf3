/**
 * A bank of about 50,000 memories: graph_update and regenerate_observations run over all of it while the
 * workflow tasks they cause are timed from their histories, then the service restarts on that bank.
 */
import type { Client } from '@temporalio/client';
import { bankQueueWorkflowId, operationWorkflowId } from '../workflows/definitions.js';
import { makeDocuments } from './corpus.js';
import { sleep } from './measure.js';
import { listOperations, submit, TERMINAL, waitEnded } from './operations.js';
import type { LargeBankRun } from './results.js';
import type { ServiceChild } from './service.js';

type HistoryEvent = NonNullable<
  Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']
>[number];

const millis = (t: HistoryEvent['eventTime']) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
const endsTask = (e: HistoryEvent) =>
  Boolean(
    e.workflowTaskCompletedEventAttributes ||
      e.workflowTaskFailedEventAttributes ||
      e.workflowTaskTimedOutEventAttributes,
  );

/** Workflow task durations (started → completed, failed or timed out) in a workflow's latest run, in ms. */
async function workflowTaskDurations(client: Client, workflowId: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const durations: number[] = [];
  let startedAt: number | undefined;
  for (const event of history.events ?? []) {
    if (event.workflowTaskStartedEventAttributes) startedAt = millis(event.eventTime);
    else if (startedAt !== undefined && endsTask(event)) {
      durations.push(millis(event.eventTime) - startedAt);
      startedAt = undefined;
    }
  }
  return durations;
}

export async function largeBank(
  service: ServiceChild,
  client: Client,
  docs: number,
  tag: string,
  restart: () => Promise<{ service: ServiceChild; ms: number }>,
): Promise<{ run: LargeBankRun; service: ServiceChild }> {
  const bank = `bench-large-${tag}`;
  const { operationId } = await submit(service.url, bank, makeDocuments(docs, 7));
  const retained = await waitEnded(service.url, bank, operationId);
  const slowTaskWarningsBefore = service.slowWorkflowTaskWarnings();

  // The follow-ups the completed retain queued, each run to its end.
  let followUps: any[];
  for (;;) {
    followUps = (await listOperations(service.url, bank)).filter((op) => op.type !== 'batch_retain');
    if (followUps.length >= 2 && followUps.every((op) => TERMINAL.has(op.status))) break;
    await sleep(1_000);
  }
  const durations = (
    await Promise.all([
      ...followUps.map((op) =>
        workflowTaskDurations(client, operationWorkflowId(op.type, bank, op.operation_id)),
      ),
      workflowTaskDurations(client, bankQueueWorkflowId(bank)),
    ])
  ).flat();
  const slowTaskWarnings = service.slowWorkflowTaskWarnings() - slowTaskWarningsBefore;

  const restarted = await restart();
  return {
    service: restarted.service,
    run: {
      docs,
      memories: retained.result.memories_count,
      followUps: followUps.map((op) => ({
        type: op.type,
        status: op.status,
        ms: Date.parse(op.completed_at) - Date.parse(op.started_at),
        progress: op.progress,
        total: op.total,
      })),
      workflowTasks: durations.length,
      maxWorkflowTaskMs: Math.max(...durations),
      slowTaskWarnings,
      restartToHealthyMs: restarted.ms,
    },
  };
}
