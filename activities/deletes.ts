import { Context } from '@temporalio/activity';
import type { Database } from '../src/store/db.js';
import { countRowsToDelete, type DeleteTarget, deleteBatch } from '../src/store/deletes.js';
import { getOperationById, setTotal } from '../src/store/operations.js';

/** Rows per transaction: short locks, and a cancel or a kill loses at most this much of its work. */
export const DELETE_BATCH_ROWS = 500;
/** An activity call deletes for this long, then lets the workflow decide (continue, continue-as-new). */
const SLICE_MS = 20_000;

/** Counts what is left to delete once the delete runs (retains it waited for are in): total = done + left. */
export async function prepareDelete(db: Database, target: DeleteTarget): Promise<{ total: number }> {
  const row = await getOperationById(db, target.operationId);
  const total = (row?.progress ?? 0) + (await countRowsToDelete(db, target));
  await setTotal(db, target.operationId, total);
  return { total };
}

/**
 * Deletes in batches, one transaction each, for a slice of time: heartbeats after every batch, so a killed
 * worker is noticed and a cancel arrives between two batches (what was not deleted yet stays).
 */
export async function deleteRows(
  db: Database,
  target: DeleteTarget,
): Promise<{ deleted: number; done: boolean }> {
  const ctx = Context.current();
  const until = Date.now() + SLICE_MS;
  let deleted = 0;
  for (;;) {
    ctx.heartbeat({ deleted });
    ctx.cancellationSignal.throwIfAborted();
    const n = await db.transaction((tx) => deleteBatch(tx, target, DELETE_BATCH_ROWS));
    deleted += n;
    if (n === 0) return { deleted, done: true };
    if (Date.now() >= until) return { deleted, done: false };
  }
}
