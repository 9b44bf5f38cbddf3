import type { Sql } from './db.js';

/** One document as the API accepts it (snake_case, as on the wire). */
export interface RetainItem {
  content: string;
  context?: string | null | undefined;
  timestamp?: string | null | undefined;
  document_id?: string | null | undefined;
  metadata?: Record<string, string> | null | undefined;
  tags?: string[] | null | undefined;
}

export interface StagedItem {
  item_index: number;
  content: string;
  context: string | null;
  occurred_at: Date | null;
  document_id: string | null;
  metadata: Record<string, string> | null;
  tags: string[] | null;
}

// ~ a few MB of JSON per statement: large enough to amortise round trips, small enough for any server.
const STAGE_BATCH = 2_000;

/**
 * A document's fields as the store keeps them: an absent field is null, and the timestamp is the instant as
 * JavaScript reads it (milliseconds), as a synchronous retain stores it (PostgreSQL would round extra digits,
 * possibly into a year it cannot print back).
 */
export function storedFields(item: RetainItem) {
  return {
    content: item.content,
    context: item.context ?? null,
    occurred_at: item.timestamp ? new Date(item.timestamp).toISOString() : null,
    document_id: item.document_id ?? null,
    metadata: item.metadata ?? null,
    tags: item.tags ?? null,
  };
}

/** Stores the documents of an async retain; a repeated call for the same operation inserts nothing twice. */
export async function stageItems(
  sql: Sql,
  operationId: string,
  items: RetainItem[],
  firstIndex = 0,
): Promise<void> {
  for (let start = 0; start < items.length; start += STAGE_BATCH) {
    const rows = items.slice(start, start + STAGE_BATCH).map((item, i) => ({
      item_index: firstIndex + start + i,
      ...storedFields(item),
    }));
    await sql.query(
      `INSERT INTO retain_items (operation_id, item_index, content, context, occurred_at, document_id, metadata, tags)
       SELECT $1, r.item_index, r.content, r.context, r.occurred_at, r.document_id, r.metadata, r.tags
       FROM jsonb_to_recordset($2::jsonb) AS r(item_index int, content text, context text, occurred_at timestamptz,
         document_id text, metadata jsonb, tags jsonb)
       ON CONFLICT DO NOTHING`,
      [operationId, JSON.stringify(rows)],
    );
  }
}

export async function loadUnprocessed(
  sql: Sql,
  operationId: string,
  start: number,
  end: number,
): Promise<StagedItem[]> {
  return sql.query<StagedItem>(
    `SELECT item_index, content, context, occurred_at, document_id, metadata, tags FROM retain_items
     WHERE operation_id = $1 AND item_index >= $2 AND item_index < $3 AND NOT processed ORDER BY item_index`,
    [operationId, start, end],
  );
}

/**
 * Marks items done and advances the operation's progress by exactly the number of items that were not done
 * before, in the caller's transaction: a retried chunk can neither lose nor double-count progress.
 */
export async function markProcessed(
  sql: Sql,
  operationId: string,
  indexes: number[],
  failures: Map<number, string>,
): Promise<number> {
  const failed = [...failures.entries()].map(([item_index, error]) => ({ item_index, error }));
  const rows = await sql.query<{ item_index: number }>(
    `UPDATE retain_items AS i SET processed = true, error = f.error
     FROM unnest($2::int[]) AS t(item_index)
     LEFT JOIN jsonb_to_recordset($3::jsonb) AS f(item_index int, error text) ON f.item_index = t.item_index
     WHERE i.operation_id = $1 AND i.item_index = t.item_index AND NOT i.processed
     RETURNING i.item_index`,
    [operationId, indexes, JSON.stringify(failed)],
  );
  if (rows.length > 0) {
    await sql.query('UPDATE operations SET progress = progress + $2 WHERE id = $1', [
      operationId,
      rows.length,
    ]);
  }
  return rows.length;
}

export async function listFailures(
  sql: Sql,
  operationId: string,
): Promise<{ index: number; reason: string }[]> {
  return sql.query(
    `SELECT item_index AS index, error AS reason FROM retain_items
     WHERE operation_id = $1 AND error IS NOT NULL ORDER BY item_index`,
    [operationId],
  );
}

/**
 * Once the operation has ended its documents are no longer needed, except those that failed: they stay until
 * a retry takes them over (moveFailedItems) or the operation's record is deleted.
 */
export async function dropItems(sql: Sql, operationId: string): Promise<void> {
  await sql.query('DELETE FROM retain_items WHERE operation_id = $1 AND error IS NULL', [operationId]);
}

/**
 * Stages the failed documents of `fromId` as the documents of `toId`, numbered from 0 in their first order,
 * and removes them from `fromId`, so that they can be retried once; answers how many moved.
 */
export async function moveFailedItems(sql: Sql, fromId: string, toId: string): Promise<number> {
  const moved = await sql.query<{ item_index: number }>(
    `WITH failed AS (
       DELETE FROM retain_items WHERE operation_id = $1 AND error IS NOT NULL
       RETURNING item_index, content, context, occurred_at, document_id, metadata, tags
     )
     INSERT INTO retain_items (operation_id, item_index, content, context, occurred_at, document_id, metadata, tags)
     SELECT $2, (row_number() OVER (ORDER BY item_index) - 1)::int, content, context, occurred_at, document_id,
       metadata, tags
     FROM failed RETURNING item_index`,
    [fromId, toId],
  );
  return moved.length;
}

/** How many failed documents of an operation are still kept for a retry. */
export async function countFailedItems(sql: Sql, operationId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM retain_items WHERE operation_id = $1 AND error IS NOT NULL',
    [operationId],
  );
  return row?.n ?? 0;
}
