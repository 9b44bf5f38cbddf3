import type { Database, Sql } from './db.js';
import { ENDED } from './operations.js';

// Removing what ended long ago, in small steps: every statement below touches at most BATCH_ROWS rows and
// commits on its own, so the sweep never holds many locks or a long transaction, and API writes go on beside
// it. Memories an operation wrote stay: they are the bank's data, not the operation's.

/** Rows one statement deletes at most. */
export const BATCH_ROWS = 1000;
/** Expired operations handled per round: their staged items can be many, so fewer than BATCH_ROWS. */
export const OPERATIONS_PER_ROUND = 100;
/** A tombstone is removed once it is this many retention periods old (at least a day). */
export const TOMBSTONE_RETENTION_FACTOR = 4;
const MIN_TOMBSTONE_MS = 86_400_000;

/** Tables whose rows belong to one operation and go with it (their foreign keys cascade on its delete). */
const OWNED_TABLES = ['retain_items', 'model_answers', 'model_usage'] as const;

export interface SweepCounts {
  operations: number;
  retainItems: number;
  modelAnswers: number;
  modelUsage: number;
  tombstones: number;
}

/** Deletes an owned table's rows of these operations, BATCH_ROWS per statement, and counts them. */
async function deleteOwnedRows(sql: Sql, table: (typeof OWNED_TABLES)[number], ids: string[]) {
  let total = 0;
  for (;;) {
    const rows = await sql.query(
      `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM ${table} WHERE operation_id = ANY ($1::text[]) LIMIT ${BATCH_ROWS}))
       RETURNING 1 AS x`,
      [ids],
    );
    total += rows.length;
    if (rows.length < BATCH_ROWS) return total;
  }
}

/**
 * One round: up to OPERATIONS_PER_ROUND operations that ended more than `retentionMs` ago lose their owned
 * rows, then their own rows, which leave a tombstone in the same transaction. Pending and running
 * operations are never chosen, and a row is deleted only if it is still ended.
 */
async function sweepRound(db: Database, retentionMs: number, counts: SweepCounts): Promise<boolean> {
  const chosen = await db.query<{ id: string }>(
    `SELECT id FROM operations
     WHERE ${ENDED} AND completed_at < clock_timestamp() - $1::bigint * interval '1 millisecond'
     ORDER BY completed_at LIMIT ${OPERATIONS_PER_ROUND}`,
    [retentionMs],
  );
  if (chosen.length === 0) return false;
  const ids = chosen.map((r) => r.id);
  counts.retainItems += await deleteOwnedRows(db, 'retain_items', ids);
  counts.modelAnswers += await deleteOwnedRows(db, 'model_answers', ids);
  counts.modelUsage += await deleteOwnedRows(db, 'model_usage', ids);
  const removed = await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO expired_operations (bank_id, public_id, retention_ms)
       SELECT bank_id, coalesce(public_id, id), $2 FROM operations WHERE id = ANY ($1::text[]) AND ${ENDED}
       ON CONFLICT (bank_id, public_id)
         DO UPDATE SET expired_at = excluded.expired_at, retention_ms = excluded.retention_ms`,
      [ids, retentionMs],
    );
    // A retry of one of them keeps its row; its retry_of is cleared by the foreign key.
    return tx.query(`DELETE FROM operations WHERE id = ANY ($1::text[]) AND ${ENDED} RETURNING id`, [ids]);
  });
  counts.operations += removed.length;
  return chosen.length === OPERATIONS_PER_ROUND;
}

/** Tombstones older than TOMBSTONE_RETENTION_FACTOR retention periods, BATCH_ROWS per statement. */
async function sweepTombstones(db: Database, retentionMs: number): Promise<number> {
  const keepMs = Math.max(MIN_TOMBSTONE_MS, retentionMs * TOMBSTONE_RETENTION_FACTOR);
  let total = 0;
  for (;;) {
    const rows = await db.query(
      `DELETE FROM expired_operations WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM expired_operations
         WHERE expired_at < clock_timestamp() - $1::bigint * interval '1 millisecond' LIMIT ${BATCH_ROWS}))
       RETURNING 1 AS x`,
      [keepMs],
    );
    total += rows.length;
    if (rows.length < BATCH_ROWS) return total;
  }
}

/**
 * Removes every operation that ended more than `retentionMs` ago, with what it owns; counts what went. An
 * aborted `signal` stops it between rounds (the service is stopping; the next sweep goes on from there).
 */
export async function sweepExpiredOperations(
  db: Database,
  retentionMs: number,
  signal?: AbortSignal,
): Promise<SweepCounts> {
  const counts: SweepCounts = {
    operations: 0,
    retainItems: 0,
    modelAnswers: 0,
    modelUsage: 0,
    tombstones: 0,
  };
  while (!signal?.aborted && (await sweepRound(db, retentionMs, counts))) {
    // a full round: more may wait
  }
  if (signal?.aborted) return counts;
  counts.tombstones = await sweepTombstones(db, retentionMs);
  return counts;
}

export interface ExpiredOperation {
  expired_at: Date;
  retention_ms: number;
}

/** The tombstone of a removed operation, by the id its callers used, within its bank. */
export async function getExpiredOperation(
  sql: Sql,
  bankId: string,
  publicId: string,
): Promise<ExpiredOperation | undefined> {
  const rows = await sql.query<ExpiredOperation>(
    `SELECT expired_at, retention_ms::float8 AS retention_ms FROM expired_operations
     WHERE bank_id = $1 AND public_id = $2`,
    [bankId, publicId],
  );
  return rows[0];
}
