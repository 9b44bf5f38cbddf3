import { finishOperationActivity, markOperationRunning } from '../activities/bookkeeping.js';
import { newOperationId } from '../src/domain/ids.js';
import type { ExtractionPool } from '../src/retain/extraction-pool.js';
import { prepareItems } from '../src/retain/prepare.js';
import type { Database } from '../src/store/db.js';
import { writeMemories } from '../src/store/memories.js';
import { insertOperation } from '../src/store/operations.js';
import { loadUnprocessed, markProcessed, type RetainItem, stageItems } from '../src/store/retain-items.js';

/** As activities/retain.ts. */
const WRITE_BATCH = 25;
const DEADLOCK = '40P01';

/**
 * The batch retain pipeline with no HTTP and no Temporal: the same store calls in the same order and sizes
 * as submit (row and documents in one transaction), the workflow's sliding window of chunks, each chunk's
 * write batches (activities/retain.ts without heartbeats), and the final bookkeeping (result, drop items).
 */
export async function directRetain(
  db: Database,
  extraction: ExtractionPool,
  bankId: string,
  items: RetainItem[],
  chunkSize: number,
  chunkConcurrency: number,
): Promise<{ operationId: string; deadlocks: number }> {
  const operationId = newOperationId();
  let deadlocks = 0;
  await db.transaction(async (tx) => {
    await insertOperation(tx, {
      id: operationId,
      bankId,
      type: 'batch_retain',
      total: items.length,
      params: {},
      workflowId: `direct/${operationId}`,
    });
    await stageItems(tx, operationId, items);
  });
  await markOperationRunning(db, operationId);

  const chunk = async (start: number, end: number) => {
    const staged = await loadUnprocessed(db, operationId, start, end);
    for (let i = 0; i < staged.length; i += WRITE_BATCH) {
      const batch = staged.slice(i, i + WRITE_BATCH);
      const prepared = await prepareItems(extraction, bankId, operationId, batch);
      for (;;) {
        try {
          await db.transaction(async (tx) => {
            await writeMemories(tx, bankId, operationId, prepared.memories, prepared.entities);
            return markProcessed(
              tx,
              operationId,
              batch.map((item) => item.item_index),
              prepared.failures,
            );
          });
          break;
        } catch (error) {
          // PostgreSQL: concurrent chunks inserting shared entities in different orders can deadlock. The
          // service's activity retry redoes the chunk; here the batch's transaction is simply run again.
          if ((error as { code?: string }).code !== DEADLOCK) throw error;
          deadlocks++;
        }
      }
    }
  };
  // The workflow's sliding window: at most `chunkConcurrency` chunks in flight, started in index order.
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const start = next;
      next = Math.min(start + chunkSize, items.length);
      await chunk(start, next);
    }
  };
  await Promise.all(Array.from({ length: chunkConcurrency }, lane));

  const outcome = await finishOperationActivity(db, {
    operationId,
    type: 'batch_retain',
    status: 'completed',
    error: null,
  });
  if (outcome.status !== 'completed')
    throw new Error(`direct retain ended ${outcome.status}: ${outcome.error}`);
  return { operationId, deadlocks };
}

export async function countMemories(db: Database, operationId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM memories WHERE operation_id = $1',
    [operationId],
  );
  return row?.n ?? 0;
}
