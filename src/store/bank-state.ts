import { conflict } from '../errors.js';
import type { Sql } from './db.js';

/**
 * Refuses work for a bank that a delete_bank operation is deleting. The row lock (shared with other writers,
 * exclusive to the delete's mark) means a write either commits before the delete is accepted, and so is queued
 * ahead of it, or sees the mark.
 */
export async function assertBankTakesWork(sql: Sql, bankId: string): Promise<void> {
  const [row] = await sql.query<{ deleting: string | null }>(
    `SELECT (SELECT coalesce(o.public_id, o.id) FROM operations o WHERE o.id = b.deleting_operation_id) AS deleting
     FROM banks b WHERE b.id = $1 AND b.deleting_operation_id IS NOT NULL FOR SHARE OF b`,
    [bankId],
  );
  if (row) {
    throw conflict(
      `bank ${bankId} is being deleted (operation ${row.deleting}): wait until that operation has ended, ` +
        'then send the request again (it goes into a new, empty bank)',
    );
  }
}

/** The delete_bank operation under way in the bank, by its key, if any; undefined when the bank does not exist. */
export async function bankDeleteState(
  sql: Sql,
  bankId: string,
): Promise<{ deletingOperationId: string | null } | undefined> {
  const [row] = await sql.query<{ deleting_operation_id: string | null }>(
    'SELECT deleting_operation_id FROM banks WHERE id = $1 FOR UPDATE',
    [bankId],
  );
  return row && { deletingOperationId: row.deleting_operation_id };
}

export async function markBankDeleting(sql: Sql, bankId: string, operationId: string): Promise<void> {
  await sql.query('UPDATE banks SET deleting_operation_id = $2 WHERE id = $1', [bankId, operationId]);
}

/** A delete that ended without deleting the bank (cancelled, failed) leaves it taking work again. */
export async function clearBankDeleting(sql: Sql, bankId: string, operationId: string): Promise<void> {
  await sql.query(
    'UPDATE banks SET deleting_operation_id = NULL WHERE id = $1 AND deleting_operation_id = $2',
    [bankId, operationId],
  );
}
