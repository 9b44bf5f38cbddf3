import { operationWorkflowId } from '../../workflows/definitions.js';
import { newOperationId } from '../domain/ids.js';
import { conflict, invalid, notFound, operationExpired } from '../errors.js';
import { assertBankTakesWork } from '../store/bank-state.js';
import type { Sql } from '../store/db.js';
import {
  getOperationById,
  insertOperation,
  latestRetryOf,
  lockOperationInBank,
  markRetryOf,
  type OperationRow,
} from '../store/operations.js';
import { countFailedItems, moveFailedItems } from '../store/retain-items.js';
import { getExpiredOperation } from '../store/retention.js';
import { isTerminal } from './types.js';

function failedCount(result: unknown): number {
  const failed = (result as { failed_items?: unknown } | null)?.failed_items;
  return Array.isArray(failed) ? failed.length : 0;
}

/**
 * Creates, in the caller's transaction, the batch_retain that retains again the items `operationId` failed
 * on, and hands it their staged documents. Only those: the documents that succeeded are never retained twice,
 * and the failed ones belong to one retry (a second retry of the same operation is refused, naming the first,
 * whose own failures are retried from it). Refusals change nothing.
 */
export async function createRetry(tx: Sql, bankId: string, operationId: string): Promise<OperationRow> {
  await assertBankTakesWork(tx, bankId);
  const original = await lockOperationInBank(tx, bankId, operationId);
  if (!original) {
    const expired = await getExpiredOperation(tx, bankId, operationId);
    if (expired) throw operationExpired(operationId, expired.retention_ms);
    throw notFound(`operation ${operationId} not found in bank ${bankId}`);
  }
  if (original.type !== 'batch_retain') {
    throw invalid(
      `operation ${operationId} is a ${original.type}: only batch_retain operations have failed items to ` +
        'retry; start a new one instead',
    );
  }
  if (!isTerminal(original.status)) {
    throw conflict(
      `operation ${operationId} is still ${original.status}: retry it once it has ended ` +
        '(cancel it first to stop it now)',
    );
  }
  // A statement of its own, after the lock: it sees a retry that a concurrent request committed meanwhile.
  const earlier = await latestRetryOf(tx, original.id);
  if (earlier) {
    throw conflict(
      `operation ${operationId} was already retried by operation ${earlier.public_id}: ` +
        `retry ${earlier.public_id} for the items that failed again`,
    );
  }
  const failed = failedCount(original.result);
  if (failed === 0) {
    throw conflict(`operation ${operationId} has no failed items to retry (its failed_items is empty)`);
  }
  const staged = await countFailedItems(tx, original.id);
  if (staged === 0) {
    throw conflict(
      `the documents of operation ${operationId}'s failed items are no longer stored (it ended before ` +
        'failed documents were kept): submit them again in a new retain',
    );
  }
  const id = newOperationId();
  const { row } = await insertOperation(tx, {
    id,
    bankId,
    type: 'batch_retain',
    total: staged,
    params: {},
    workflowId: operationWorkflowId('batch_retain', bankId, id),
    // The retry is the same job carried on: whoever found the original by its labels finds this one too.
    metadata: original.metadata,
  });
  await markRetryOf(tx, row.id, original.id);
  await moveFailedItems(tx, original.id, row.id);
  return (await getOperationById(tx, row.id))!;
}
