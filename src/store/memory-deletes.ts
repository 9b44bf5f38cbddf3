import type { Database } from './db.js';

/** Rows deleted per transaction when a bank's memories are cleared: short locks, steady progress. */
export const CLEAR_BATCH = 1000;

/** Deletes one memory (its links and entity mentions go with it). True when it existed. */
export async function deleteMemory(db: Database, bankId: string, memoryId: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM memories WHERE bank_id = $1 AND id = $2 RETURNING id', [
    bankId,
    memoryId,
  ]);
  if (rows.length > 0) await dropOrphanEntities(db, bankId);
  return rows.length > 0;
}

/**
 * Deletes every memory of a bank, CLEAR_BATCH rows per transaction, then the entities (and their observations)
 * no memory mentions any more. The request waits for the whole: a retain running meanwhile may leave the
 * memories it writes after the last batch.
 */
export async function clearMemories(db: Database, bankId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await db.query(
      `DELETE FROM memories WHERE id IN (SELECT id FROM memories WHERE bank_id = $1 LIMIT ${CLEAR_BATCH})
       RETURNING id`,
      [bankId],
    );
    deleted += rows.length;
    if (rows.length < CLEAR_BATCH) break;
  }
  await dropOrphanEntities(db, bankId);
  return deleted;
}

async function dropOrphanEntities(db: Database, bankId: string): Promise<void> {
  await db.query(
    `DELETE FROM entities e WHERE e.bank_id = $1
       AND NOT EXISTS (SELECT 1 FROM memory_entities me WHERE me.entity_id = e.id)`,
    [bankId],
  );
}
