import { newOperationId } from '../src/domain/ids.js';
import { clearBankDeleting } from '../src/store/bank-state.js';
import type { Database } from '../src/store/db.js';
import { countEntitiesOfOperation, memoryIdsOfOperation } from '../src/store/memories.js';
import { costOfOperation, dropAnswers } from '../src/store/model-answers.js';
import {
  finishOperation,
  getOperationById,
  insertFollowUps,
  insertOperation,
  markRunning,
} from '../src/store/operations.js';
import { dropItems, listFailures, stageItems } from '../src/store/retain-items.js';
import type {
  OperationOutcome,
  OperationStatus,
  OperationType,
  RetainItemInput,
  TerminalStatus,
} from '../workflows/definitions.js';

export interface RegisterOperationInput {
  operationId: string;
  bankId: string;
  type: OperationType;
  workflowId: string;
  createdAt: string;
  params: Record<string, unknown>;
  items?: RetainItemInput[] | undefined;
}

/**
 * Makes sure the operation's row exists. API submits wrote it already; a start from another workflow
 * creates it here, with its documents, in one transaction.
 */
export async function registerOperation(
  db: Database,
  input: RegisterOperationInput,
): Promise<{ total: number; seq: number }> {
  const existing = await getOperationById(db, input.operationId);
  if (existing) return { total: existing.total, seq: existing.seq };
  return db.transaction(async (tx) => {
    const inserted = await insertOperation(tx, {
      id: input.operationId,
      bankId: input.bankId,
      type: input.type,
      total: input.items?.length ?? 0,
      params: input.params,
      workflowId: input.workflowId,
      createdAt: new Date(input.createdAt),
    });
    if (inserted.created && input.items) await stageItems(tx, input.operationId, input.items);
    return { total: inserted.row.total, seq: inserted.row.seq };
  });
}

export async function markOperationRunning(
  db: Database,
  operationId: string,
): Promise<{ status: OperationStatus }> {
  const row = (await markRunning(db, operationId)) ?? (await getOperationById(db, operationId));
  if (!row) throw new Error(`operation ${operationId} has no row`);
  return { status: row.status };
}

/**
 * What a batch retain produced: every memory it wrote, the items it went through (all of them unless it was
 * cancelled or failed on the way) and the items it could not retain.
 */
async function retainResult(db: Database, operationId: string, itemsProcessed: number) {
  // Independent reads, side by side: this runs between the last chunk and the row reading final.
  const [memoryIds, failedItems, entitiesCount] = await Promise.all([
    memoryIdsOfOperation(db, operationId),
    listFailures(db, operationId),
    countEntitiesOfOperation(db, operationId),
  ]);
  return {
    memory_ids: memoryIds,
    items_count: itemsProcessed,
    memories_count: memoryIds.length,
    entities_count: entitiesCount,
    failed_items: failedItems,
  };
}

export async function finishOperationActivity(
  db: Database,
  input: { operationId: string; type: OperationType; status: TerminalStatus; error: string | null },
): Promise<OperationOutcome> {
  const row = await getOperationById(db, input.operationId);
  if (!row) throw new Error(`operation ${input.operationId} has no row`);
  let { status, error } = input;
  let result: Record<string, unknown>;
  if (input.type === 'batch_retain') {
    const retained = await retainResult(db, input.operationId, row.progress);
    result = retained;
    if (status === 'completed' && row.total > 0 && retained.failed_items.length === row.total) {
      status = 'failed';
      error = `none of the ${row.total} items could be retained; first error: ${retained.failed_items[0]?.reason}`;
    }
  } else if (input.type === 'delete_bank' || input.type === 'delete_document') {
    result = { rows_deleted: row.progress, ...row.params };
  } else if (input.type === 'graph_update') {
    result = { memories_processed: 0, links_created: 0, ...row.result };
  } else {
    const listed = row.params.entity_ids;
    result = {
      entities_processed: 0,
      observations_updated: 0,
      ...row.result,
      ...(Array.isArray(listed) ? { entity_ids: listed } : {}),
    };
  }
  // What model calls cost (absent with the built-in extractor).
  Object.assign(result, await costOfOperation(db, input.operationId));
  // Maintenance counts its work when it starts; memories replaced meanwhile (a document retained again) are
  // no longer there to process, so a completed run's total is what it really went through.
  const total = status === 'completed' && input.type !== 'batch_retain' ? row.progress : undefined;
  const final = await db.transaction(async (tx) => {
    const finished = await finishOperation(tx, input.operationId, { status, error, result, total });
    await dropAnswers(tx, input.operationId);
    if (input.type === 'batch_retain') await dropItems(tx, input.operationId);
    // A bank whose delete stopped short (cancelled, failed) takes work again, with what was not yet deleted.
    if (input.type === 'delete_bank') await clearBankDeleting(tx, row.bank_id, input.operationId);
    // Follow-ups are queued with the completion, so nobody sees a completed retain without them.
    if (input.type === 'batch_retain' && finished?.status === 'completed') {
      await insertFollowUps(tx, finished.bank_id, newOperationId, finished.public_id);
    }
    return finished!;
  });
  return {
    operation_id: final.public_id,
    status: final.status,
    progress: final.progress,
    total: final.total,
    error: final.error,
  };
}
