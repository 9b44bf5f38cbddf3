import type { Client } from '@temporalio/client';
import {
  type BankQueueState,
  bankQueueWorkflowId,
  enqueueSignal,
  type QueueEntry,
  WORKFLOW_TYPES,
} from '../../workflows/definitions.js';
import type { Config } from '../config.js';
import { BANK_ID } from '../temporal/search-attributes.js';

/**
 * Signal-with-start: creates the bank's queue workflow when it is not running, then joins its queue.
 * The API calls it at submit time (so the queue sees submissions in order) and the operation's workflow
 * calls it again through an activity (for starts from other workflows); the queue ignores the repeat.
 */
export async function joinBankQueue(
  client: Client,
  config: Config,
  input: { bankId: string; entry: QueueEntry; limit: number },
): Promise<void> {
  await client.workflow.signalWithStart(WORKFLOW_TYPES.bankQueue, {
    workflowId: bankQueueWorkflowId(input.bankId),
    taskQueue: config.temporal.taskQueue,
    args: [{ bankId: input.bankId, limit: input.limit, queue: [], running: [] } satisfies BankQueueState],
    signal: enqueueSignal,
    signalArgs: [input.entry, input.limit],
    memo: { bankId: input.bankId },
    typedSearchAttributes: [{ key: BANK_ID, value: input.bankId }],
    staticSummary: `Admission queue of bank ${input.bankId}: which operations run, which wait`,
  });
}
