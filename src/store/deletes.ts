import type { Sql } from './db.js';

/**
 * One table's share of a delete: `from` names the rows (alias `t` is the table whose rows go) with `$1` the
 * bank, `$2` the delete operation's key and `$3` the document id. Steps run in order, children before their
 * parents, so every transaction deletes a bounded number of rows and no cascade deletes an unbounded one.
 */
interface DeleteStep {
  table: string;
  from: string;
}

const ofBankMemories = (table: string, column: string) => ({
  table,
  from: `memories m JOIN ${table} t ON t.${column} = m.id WHERE m.bank_id = $1`,
});
const ofBankOperations = (table: string) => ({
  table,
  from: `operations o JOIN ${table} t ON t.operation_id = o.id WHERE o.bank_id = $1 AND o.id <> $2`,
});

/** Everything of a bank but the delete operation itself, which stays readable. */
const BANK_STEPS: DeleteStep[] = [
  ofBankMemories('memory_links', 'memory_id'),
  ofBankMemories('memory_entities', 'memory_id'),
  { table: 'memories', from: 'memories t WHERE t.bank_id = $1' },
  { table: 'observations', from: 'observations t WHERE t.bank_id = $1' },
  {
    table: 'memory_entities',
    from: 'entities e JOIN memory_entities t ON t.entity_id = e.id WHERE e.bank_id = $1',
  },
  { table: 'entities', from: 'entities t WHERE t.bank_id = $1' },
  ofBankOperations('retain_items'),
  ofBankOperations('model_answers'),
  ofBankOperations('model_usage'),
  {
    table: 'webhook_deliveries',
    from: 'webhooks w JOIN webhook_deliveries t ON t.webhook_id = w.id WHERE w.bank_id = $1',
  },
  {
    table: 'webhook_deliveries',
    from: 'webhook_events e JOIN webhook_deliveries t ON t.event_id = e.id WHERE e.bank_id = $1',
  },
  { table: 'webhook_events', from: 'webhook_events t WHERE t.bank_id = $1' },
  { table: 'webhooks', from: 'webhooks t WHERE t.bank_id = $1' },
  { table: 'operations', from: 'operations t WHERE t.bank_id = $1 AND t.id <> $2' },
  { table: 'banks', from: 'banks t WHERE t.id = $1' },
];

const ofDocument = (table: string, column: string) => ({
  table,
  from: `memories m JOIN ${table} t ON t.${column} = m.id WHERE m.bank_id = $1 AND m.document_id = $3`,
});

/** A document's memories with their links (both ways) and entity mentions; entities stay, they are shared. */
const DOCUMENT_STEPS: DeleteStep[] = [
  ofDocument('memory_links', 'memory_id'),
  ofDocument('memory_links', 'target_id'),
  ofDocument('memory_entities', 'memory_id'),
  { table: 'memories', from: 'memories t WHERE t.bank_id = $1 AND t.document_id = $3' },
];

export interface DeleteTarget {
  operationId: string;
  bankId: string;
  /** Set for delete_document. */
  documentId?: string | undefined;
}

/** Declares every parameter's type, so each step's text can be sent all three whichever it uses. */
const TYPED = '$2::text IS NOT DISTINCT FROM $2 AND $3::text IS NOT DISTINCT FROM $3';

const stepsOf = (target: DeleteTarget) => (target.documentId === undefined ? BANK_STEPS : DOCUMENT_STEPS);
const paramsOf = (target: DeleteTarget) => [target.bankId, target.operationId, target.documentId ?? null];

/** Rows the delete has still to go through (steps counted one by one, as they will be deleted). */
export async function countRowsToDelete(sql: Sql, target: DeleteTarget): Promise<number> {
  let total = 0;
  for (const step of stepsOf(target)) {
    const [row] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${step.from} AND ${TYPED}`,
      paramsOf(target),
    );
    total += row?.n ?? 0;
  }
  return total;
}

/**
 * Deletes at most `limit` rows of the first step that has any, and counts them in the operation's progress in
 * the same transaction (run it in one). Rows locked first: a retried attempt beside a stale one never counts a
 * row twice. Returns 0 once nothing is left. Deleting again what is gone deletes nothing, so a
 * retried batch (its worker killed) is harmless.
 */
export async function deleteBatch(sql: Sql, target: DeleteTarget, limit: number): Promise<number> {
  for (const step of stepsOf(target)) {
    const rows = await sql.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM ${step.table} WHERE ctid = ANY(ARRAY(
           SELECT t.ctid FROM ${step.from} AND ${TYPED}
           LIMIT $4 FOR UPDATE OF t))
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [...paramsOf(target), limit],
    );
    const n = rows[0]?.n ?? 0;
    if (n > 0) {
      await sql.query('UPDATE operations SET progress = progress + $2 WHERE id = $1', [
        target.operationId,
        n,
      ]);
      return n;
    }
  }
  return 0;
}
