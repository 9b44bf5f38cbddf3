import {
  isTerminal,
  type OperationStatus,
  type OperationType,
  runsAlone,
  TERMINAL_STATUSES,
  type TerminalStatus,
} from '../../workflows/definitions.js';
import { assertBankTakesWork } from './bank-state.js';
import type { Sql } from './db.js';

/** A WHERE condition that holds for the rows of ended operations, spelled from the one list of terminal statuses. */
export const ENDED = `status IN (${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

export interface OperationRow {
  /** The store's key (workflows, activities and staged items use it); unique across banks. */
  id: string;
  /** The id callers see and use, unique within the bank (the key, unless the caller chose the id). */
  public_id: string;
  /** A hash of the request that created the operation (null for operations older than fingerprints). */
  request_fingerprint: string | null;
  /** Submission order within the whole store: the bank queue admits waiting operations in this order. */
  seq: number;
  bank_id: string;
  type: OperationType;
  status: OperationStatus;
  progress: number;
  total: number;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  error: string | null;
  result: Record<string, unknown> | null;
  /** A batch retain's memory ids, kept apart from `result` (list rows do not read them). */
  memory_ids?: string[] | null;
  params: Record<string, unknown>;
  workflow_id: string;
  /** The batch retain whose completion queued this follow-up. */
  triggered_by: string | null;
  /** The caller's id of the batch retain whose failed items this one retains again. */
  retry_of: string | null;
  /** The callers' ids of the batch retains that retried this one's failed items, oldest first. */
  retries: string[];
  /** The caller's labels, given at submit (`{}` when none). */
  metadata: OperationMetadata;
}

/** String labels a caller attaches to an operation (the API bounds their number and sizes). */
export type OperationMetadata = Record<string, string>;

/** The documented response format, field for field and in the documented order. */
export interface OperationView {
  operation_id: string;
  bank_id: string;
  type: OperationType;
  status: OperationStatus;
  progress: number;
  total: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  /** Queued by the service after new memories (graph_update, regenerate_observations), not by a caller. */
  follow_up: boolean;
  /** The batch retain whose completion queued this follow-up; null otherwise. */
  triggered_by: string | null;
  /** The batch retain whose failed items this one retains again; null otherwise. */
  retry_of: string | null;
  /** The batch retains started to retry this one's failed items. */
  retries: string[];
  /** The caller's labels, given at submit; `{}` when none. Added after the documented fields. */
  metadata: OperationMetadata;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toView(row: OperationRow): OperationView {
  return {
    operation_id: row.public_id,
    bank_id: row.bank_id,
    type: row.type,
    status: row.status,
    progress: row.progress,
    total: row.total,
    created_at: iso(row.created_at)!,
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    error: row.error,
    // Chunks keep running counters in the row; callers see a result only once the operation has ended.
    result: !isTerminal(row.status)
      ? null
      : row.memory_ids
        ? { memory_ids: row.memory_ids, ...row.result }
        : row.result,
    follow_up: row.params.follow_up === true,
    triggered_by: row.triggered_by ?? null,
    retry_of: row.retry_of ?? null,
    retries: row.retries ?? [],
    metadata: row.metadata ?? {},
  };
}

// The retry links are read through the partial index on retry_of: rows that are no retry cost one index probe.
const LIST_COLUMNS = `id, coalesce(public_id, id) AS public_id, request_fingerprint, seq, bank_id, type, status,
  progress, total, created_at, started_at, completed_at, error, result, params, workflow_id, triggered_by,
  metadata, (SELECT coalesce(o.public_id, o.id) FROM operations o WHERE o.id = operations.retry_of) AS retry_of,
  ARRAY(SELECT coalesce(r.public_id, r.id) FROM operations r WHERE r.retry_of = operations.id ORDER BY r.seq)
    AS retries`;
const COLUMNS = `${LIST_COLUMNS}, memory_ids`;

/** The result as stored: a batch retain's memory ids go to their own column. */
function splitResult(result: Record<string, unknown> | null | undefined) {
  if (!result) return { result: null, memoryIds: null };
  const { memory_ids, ...rest } = result;
  return {
    result: JSON.stringify(rest),
    memoryIds: memory_ids === undefined ? null : JSON.stringify(memory_ids),
  };
}

/** Creates the bank on first use; refuses work for a bank being deleted (409). */
export async function ensureBank(sql: Sql, bankId: string): Promise<void> {
  await sql.query('INSERT INTO banks (id) VALUES ($1) ON CONFLICT DO NOTHING', [bankId]);
  await assertBankTakesWork(sql, bankId);
}

export interface NewOperation {
  /** The store's key. */
  id: string;
  /** The id callers use, when it is not the key. */
  publicId?: string;
  fingerprint?: string | null;
  bankId: string;
  type: OperationType;
  total: number;
  params: Record<string, unknown>;
  workflowId: string;
  createdAt?: Date;
  /** The caller's labels (none: `{}`). */
  metadata?: OperationMetadata | undefined;
}

/**
 * Inserts the operation unless one with that key, or that id in its bank, exists. `created` is false when it
 * existed (an idempotent retry, or a race with an identical submit: the loser waits for the winner's commit,
 * then reads its row).
 */
export async function insertOperation(
  sql: Sql,
  op: NewOperation,
  initial: { status: 'pending' } | Completed = { status: 'pending' },
): Promise<{ row: OperationRow; created: boolean }> {
  // A delete's bank exists already (the service checked), and it is the one operation a bank being deleted takes.
  if (!runsAlone(op.type)) await ensureBank(sql, op.bankId);
  const publicId = op.publicId ?? op.id;
  const stored = splitResult(initial.status === 'pending' ? null : initial.result);
  const ended = initial.status === 'pending' ? null : 'now';
  const inserted = await sql.query<OperationRow>(
    `INSERT INTO operations (id, public_id, request_fingerprint, bank_id, type, status, total, progress, params,
       workflow_id, created_at, started_at, completed_at, result, memory_ids, metadata)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, coalesce($11, clock_timestamp()),
       CASE WHEN $12::text IS NULL THEN NULL ELSE clock_timestamp() END,
       CASE WHEN $12::text IS NULL THEN NULL ELSE clock_timestamp() END, $13::jsonb, $14::jsonb, $15::jsonb)
     ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [
      op.id,
      publicId === op.id ? null : publicId,
      op.fingerprint ?? null,
      op.bankId,
      op.type,
      initial.status,
      op.total,
      initial.status === 'pending' ? 0 : op.total,
      JSON.stringify(op.params),
      op.workflowId,
      op.createdAt ?? null,
      ended,
      stored.result,
      stored.memoryIds,
      JSON.stringify(op.metadata ?? {}),
    ],
  );
  if (inserted[0]) return { row: inserted[0], created: true };
  const existing =
    (await getOperationInBank(sql, op.bankId, publicId)) ?? (await getOperationById(sql, op.id));
  if (!existing) throw new Error(`operation ${op.id} neither inserted nor found`);
  return { row: existing, created: false };
}

/** An operation that ends where it starts: a synchronous retain done in its request. */
export interface Completed {
  status: 'completed';
  result: Record<string, unknown>;
}

/**
 * Queues the bank's follow-up work after new memories (graph links, entity observations). The unique
 * pending index makes this a no-op for a type that already has a pending operation in the bank: that one
 * keeps the `triggeredBy` of the retain that queued it, and covers the later retain's memories too.
 */
export async function insertFollowUps(
  sql: Sql,
  bankId: string,
  newId: () => string,
  triggeredBy: string | null,
): Promise<void> {
  const followUps = [
    { type: 'graph_update', params: { full_rebuild: false, follow_up: true } },
    { type: 'regenerate_observations', params: { follow_up: true } },
  ] as const;
  for (const { type, params } of followUps) {
    const id = newId();
    await sql.query(
      `INSERT INTO operations (id, bank_id, type, status, params, workflow_id, triggered_by)
       SELECT $1, $2, $3, 'pending', $4::jsonb, $5, $6
       -- a bank being deleted gets no follow-ups: they would run after the delete, in an empty bank
       WHERE NOT EXISTS (SELECT 1 FROM banks WHERE id = $2 AND deleting_operation_id IS NOT NULL)
       ON CONFLICT DO NOTHING`,
      [id, bankId, type, JSON.stringify(params), `${type}/${bankId}/${id}`, triggeredBy],
    );
  }
}

/** By the store's key (what workflows and activities carry). */
export async function getOperationById(sql: Sql, id: string): Promise<OperationRow | undefined> {
  const rows = await sql.query<OperationRow>(`SELECT ${COLUMNS} FROM operations WHERE id = $1`, [id]);
  return rows[0];
}

/** By the id callers use, within their bank: operations of other banks are never seen. */
export async function getOperationInBank(
  sql: Sql,
  bankId: string,
  publicId: string,
): Promise<OperationRow | undefined> {
  const rows = await sql.query<OperationRow>(
    `SELECT ${COLUMNS} FROM operations WHERE bank_id = $1 AND coalesce(public_id, id) = $2`,
    [bankId, publicId],
  );
  return rows[0];
}

export async function findPendingFollowUp(
  sql: Sql,
  bankId: string,
  type: OperationType,
): Promise<OperationRow | undefined> {
  const rows = await sql.query<OperationRow>(
    `SELECT ${COLUMNS} FROM operations
     WHERE bank_id = $1 AND type = $2 AND status = 'pending' AND params ->> 'follow_up' = 'true'`,
    [bankId, type],
  );
  return rows[0];
}

export interface OperationFilter {
  bankId: string;
  status?: OperationStatus | undefined;
  type?: OperationType | undefined;
  /** Operations whose metadata holds every one of these pairs (containment, served by the GIN index). */
  metadata?: OperationMetadata | undefined;
  limit: number;
  offset: number;
}

export async function listOperations(
  sql: Sql,
  f: OperationFilter,
): Promise<{ rows: OperationRow[]; total: number }> {
  const where = ['bank_id = $1'];
  const params: unknown[] = [f.bankId];
  if (f.status) where.push(`status = $${params.push(f.status)}`);
  if (f.type) where.push(`type = $${params.push(f.type)}`);
  if (f.metadata && Object.keys(f.metadata).length > 0) {
    where.push(`metadata @> $${params.push(JSON.stringify(f.metadata))}::jsonb`);
  }
  const clause = where.join(' AND ');
  const [count] = await sql.query<{ total: number }>(
    `SELECT count(*)::int AS total FROM operations WHERE ${clause}`,
    params,
  );
  // List rows carry the result's counts without `memory_ids`, which grow with the batch (GET of one operation
  // has them, and `GET /memories?operation_id=` pages through them).
  const rows = await sql.query<OperationRow>(
    `SELECT ${LIST_COLUMNS} FROM operations WHERE ${clause} ORDER BY seq DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { rows, total: count?.total ?? 0 };
}

/** Non-terminal operations older than `olderThan`: candidates for reconciliation with Temporal. */
export async function listUnfinished(sql: Sql, olderThan: Date): Promise<OperationRow[]> {
  return sql.query<OperationRow>(
    `SELECT ${COLUMNS} FROM operations WHERE status IN ('pending', 'running') AND created_at < $1 ORDER BY seq LIMIT 500`,
    [olderThan],
  );
}

export async function markRunning(sql: Sql, id: string): Promise<OperationRow | undefined> {
  const rows = await sql.query<OperationRow>(
    `UPDATE operations SET status = 'running', started_at = coalesce(started_at, clock_timestamp())
     WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0];
}

/**
 * Records a chunk's progress and the result so far, both absolute values computed by the caller, so a retried
 * write cannot count twice. An operation that has already ended keeps what it ended with.
 */
export async function recordChunkProgress(
  sql: Sql,
  id: string,
  progress: number,
  result: Record<string, number>,
): Promise<void> {
  await sql.query(
    `UPDATE operations SET progress = $2, result = $3::jsonb WHERE id = $1 AND status = 'running'`,
    [id, progress, JSON.stringify(result)],
  );
}

/** Operations in the store by type and status, for the queue gauges. */
export async function countOperationsByTypeAndStatus(
  sql: Sql,
): Promise<{ type: string; status: string; n: number }[]> {
  return sql.query('SELECT type, status, count(*)::int AS n FROM operations GROUP BY type, status');
}

export async function setTotal(sql: Sql, id: string, total: number): Promise<void> {
  await sql.query('UPDATE operations SET total = $2 WHERE id = $1', [id, total]);
}

export interface Completion {
  status: TerminalStatus;
  error?: string | null;
  result?: Record<string, unknown> | null;
  progress?: number;
  total?: number | undefined;
}

/** Writes the terminal state once; a second writer (a retry, the reconciler) leaves the first answer alone. */
export async function finishOperation(
  sql: Sql,
  id: string,
  c: Completion,
): Promise<OperationRow | undefined> {
  const stored = splitResult(c.result);
  const rows = await sql.query<OperationRow>(
    `UPDATE operations SET status = $2, error = $3, result = $4::jsonb, memory_ids = $5::jsonb,
       progress = coalesce($6, progress), total = coalesce($7, total), completed_at = clock_timestamp()
     WHERE id = $1 AND status IN ('pending', 'running') RETURNING ${COLUMNS}`,
    [id, c.status, c.error ?? null, stored.result, stored.memoryIds, c.progress ?? null, c.total ?? null],
  );
  return rows[0] ?? (await getOperationById(sql, id));
}

/**
 * Ends a pending operation at once, before any worker touched it. A row the workflow already marked running
 * is left alone: the workflow itself will stop and write it.
 */
export async function cancelIfPending(sql: Sql, row: OperationRow): Promise<void> {
  const result =
    row.type === 'batch_retain'
      ? { memory_ids: [], items_count: 0, memories_count: 0, entities_count: 0, failed_items: [] }
      : null;
  const stored = splitResult(result);
  await sql.query(
    `UPDATE operations SET status = 'cancelled', completed_at = clock_timestamp(), result = $2::jsonb,
       memory_ids = $3::jsonb
     WHERE id = $1 AND status = 'pending'`,
    [row.id, stored.result, stored.memoryIds],
  );
}

/** Deletes an ended operation's row (staged items and model answers cascade; retries keep their own rows). */
export async function deleteEndedOperation(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql.query(`DELETE FROM operations WHERE id = $1 AND ${ENDED} RETURNING id`, [id]);
  return rows.length > 0;
}

/** An operation of a bank by its public id, locked for the caller's transaction: two retries of it cannot both take its items. */
export async function lockOperationInBank(tx: Sql, bankId: string, operationId: string) {
  const rows = await tx.query<{
    id: string;
    type: OperationType;
    status: OperationStatus;
    result: unknown;
    metadata: OperationMetadata;
  }>(
    `SELECT id, type, status, result, metadata FROM operations
     WHERE bank_id = $1 AND coalesce(public_id, id) = $2 FOR UPDATE`,
    [bankId, operationId],
  );
  return rows[0];
}

/** The public id of the newest retry of an operation (by internal id), if it has one. */
export async function latestRetryOf(sql: Sql, id: string): Promise<{ public_id: string } | undefined> {
  const [row] = await sql.query<{ public_id: string }>(
    `SELECT coalesce(public_id, id) AS public_id FROM operations WHERE retry_of = $1 ORDER BY seq DESC LIMIT 1`,
    [id],
  );
  return row;
}

/** Links a retry to the operation it retries (both by internal id). */
export async function markRetryOf(sql: Sql, retryId: string, originalId: string): Promise<void> {
  await sql.query('UPDATE operations SET retry_of = $2 WHERE id = $1', [retryId, originalId]);
}
