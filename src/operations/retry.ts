import { operationWorkflowId } from '../../workflows/definitions.js';
import { newOperationId } from '../domain/ids.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { Sql } from '../store/db.js';
import { getOperationById, insertOperation, type OperationRow } from '../store/operations.js';
import { moveFailedItems } from '../store/retain-items.js';
import { isTerminal, type OperationStatus, type OperationType } from './types.js';

/** The retried operation, locked for the caller's transaction: two retries of it cannot both take its items. */
async function lockInBank(tx: Sql, bankId: string, operationId: string) {
  const rows = await tx.query<{ id: string; type: OperationType; status: OperationStatus; result: unknown }>(
    `SELECT id, type, status, result FROM operations
     WHERE bank_id = $1 AND coalesce(public_id, id) = $2 FOR UPDATE`,
    [bankId, operationId],
  );
  return rows[0];
}

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
  const original = await lockInBank(tx, bankId, operationId);
  if (!original) throw notFound(`operation ${operationId} not found in bank ${bankId}`);
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
  const [earlier] = await tx.query<{ public_id: string }>(
    `SELECT coalesce(public_id, id) AS public_id FROM operations WHERE retry_of = $1 ORDER BY seq DESC LIMIT 1`,
    [original.id],
  );
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
  const [staged] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM retain_items WHERE operation_id = $1 AND error IS NOT NULL',
    [original.id],
  );
  if ((staged?.n ?? 0) === 0) {
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
    total: staged!.n,
    params: {},
    workflowId: operationWorkflowId('batch_retain', bankId, id),
  });
  await tx.query('UPDATE operations SET retry_of = $2 WHERE id = $1', [row.id, original.id]);
  await moveFailedItems(tx, original.id, row.id);
  return (await getOperationById(tx, row.id))!;
}
