import type { Sql } from './db.js';
import { embeddingBits } from './embedding-bits.js';

export interface PreparedEntity {
  id: string;
  name: string;
  normalized: string;
  kind: string;
}

export interface PreparedMemory {
  id: string;
  itemIndex: number;
  factIndex: number;
  text: string;
  context: string | null;
  occurredAt: Date | string | null;
  documentId: string | null;
  metadata: Record<string, string> | null;
  tags: string[] | null;
  entityIds: string[];
}

/**
 * Writes memories with their entities. Ids are deterministic, so a retried write inserts nothing twice.
 * Retaining a document id again replaces the memories that other writes made for that document.
 */
export async function writeMemories(
  sql: Sql,
  bankId: string,
  operationId: string,
  memories: PreparedMemory[],
  entities: PreparedEntity[],
): Promise<void> {
  const documentIds = [...new Set(memories.map((m) => m.documentId).filter((d): d is string => d !== null))];
  if (documentIds.length > 0) {
    await sql.query(
      `DELETE FROM memories WHERE bank_id = $1 AND document_id = ANY($2::text[]) AND operation_id IS DISTINCT FROM $3`,
      [bankId, documentIds, operationId],
    );
  }
  if (entities.length > 0) {
    // In id order: concurrent chunks that share new entities then wait for each other instead of deadlocking.
    await sql.query(
      `INSERT INTO entities (id, bank_id, name, normalized, kind)
       SELECT e.id, $1, e.name, e.normalized, e.kind
       FROM jsonb_to_recordset($2::jsonb) AS e(id text, name text, normalized text, kind text)
       ORDER BY e.id
       ON CONFLICT (id) DO NOTHING`,
      [bankId, JSON.stringify(entities)],
    );
  }
  if (memories.length === 0) return;
  await sql.query(
    `INSERT INTO memories (id, bank_id, operation_id, document_id, item_index, fact_index, text, context, occurred_at,
       metadata, tags)
     SELECT m.id, $1, $2, m."documentId", m."itemIndex", m."factIndex", m.text, m.context, m."occurredAt",
       m.metadata, m.tags
     FROM jsonb_to_recordset($3::jsonb) AS m(id text, "documentId" text, "itemIndex" int, "factIndex" int, text text,
       context text, "occurredAt" timestamptz, metadata jsonb, tags jsonb)
     ON CONFLICT (id) DO NOTHING`,
    [bankId, operationId, JSON.stringify(memories)],
  );
  const pairs = memories.flatMap((m) => m.entityIds.map((entity_id) => ({ memory_id: m.id, entity_id })));
  if (pairs.length > 0) {
    await sql.query(
      `INSERT INTO memory_entities (memory_id, entity_id)
       SELECT p.memory_id, p.entity_id FROM jsonb_to_recordset($1::jsonb) AS p(memory_id text, entity_id text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(pairs)],
    );
  }
}

export async function memoryIdsOfOperation(sql: Sql, operationId: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    'SELECT id FROM memories WHERE operation_id = $1 ORDER BY item_index, fact_index',
    [operationId],
  );
  return rows.map((r) => r.id);
}

/** Up to `limit` memories of an operation's items [start, end) that have no embedding yet, in item order. */
export async function memoriesToEmbed(
  sql: Sql,
  operationId: string,
  start: number,
  end: number,
  limit: number,
): Promise<{ id: string; text: string; context: string | null }[]> {
  return sql.query(
    `SELECT id, text, context FROM memories WHERE operation_id = $1 AND item_index >= $2 AND item_index < $3
       AND embedding IS NULL ORDER BY item_index, fact_index LIMIT $4`,
    [operationId, start, end, limit],
  );
}

/** Stores each memory's embedding together with the bit signature that the recall index scans. */
export async function writeEmbeddings(
  sql: Sql,
  embeddings: readonly { id: string; vector: readonly number[] }[],
): Promise<void> {
  await sql.query(
    `UPDATE memories AS m SET embedding = v.embedding::real[], embedding_bits = v.bits::bit varying
     FROM jsonb_to_recordset($1::jsonb) AS v(id text, embedding text, bits text)
     WHERE m.id = v.id`,
    [
      JSON.stringify(
        embeddings.map(({ id, vector }) => ({
          id,
          embedding: `{${vector.join(',')}}`,
          bits: embeddingBits(vector),
        })),
      ),
    ],
  );
}

export async function countEntitiesOfOperation(sql: Sql, operationId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(DISTINCT me.entity_id)::int AS n FROM memory_entities me
     JOIN memories m ON m.id = me.memory_id WHERE m.operation_id = $1`,
    [operationId],
  );
  return row?.n ?? 0;
}

export interface MemoryView {
  id: string;
  bank_id: string;
  operation_id: string | null;
  document_id: string | null;
  text: string;
  context: string | null;
  timestamp: string | null;
  metadata: Record<string, string> | null;
  tags: string[] | null;
  entity_ids: string[];
  created_at: string;
}

// A memory names its operation by the id callers use (the store's key, unless the caller chose the id).
export const MEMORY_SELECT = `SELECT m.id, m.bank_id,
  coalesce((SELECT o.public_id FROM operations o WHERE o.id = m.operation_id), m.operation_id) AS operation_id,
  m.document_id, m.text, m.context, m.occurred_at,
  m.metadata, m.tags, m.created_at,
  coalesce((SELECT array_agg(me.entity_id ORDER BY me.entity_id) FROM memory_entities me WHERE me.memory_id = m.id),
    '{}') AS entity_ids
  FROM memories m`;

/** A memory as the store reads it: the view's fields, with the instants as dates and, from a recall, a score. */
export interface MemoryRow extends Omit<MemoryView, 'timestamp' | 'created_at'> {
  occurred_at: Date | null;
  created_at: Date;
  score?: number;
}

export function toMemoryView(r: MemoryRow): MemoryView {
  return {
    id: r.id,
    bank_id: r.bank_id,
    operation_id: r.operation_id,
    document_id: r.document_id,
    text: r.text,
    context: r.context,
    timestamp: r.occurred_at ? r.occurred_at.toISOString() : null,
    metadata: r.metadata,
    tags: r.tags,
    entity_ids: r.entity_ids,
    created_at: r.created_at.toISOString(),
  };
}

export async function getMemory(sql: Sql, bankId: string, id: string): Promise<MemoryView | undefined> {
  const rows = await sql.query<MemoryRow>(`${MEMORY_SELECT} WHERE m.bank_id = $1 AND m.id = $2`, [
    bankId,
    id,
  ]);
  return rows[0] && toMemoryView(rows[0]);
}

export interface MemoryFilter {
  bankId: string;
  operationId?: string | undefined;
  documentId?: string | undefined;
  /** Memories whose text contains this, in any case. */
  text?: string | undefined;
  entityId?: string | undefined;
  limit: number;
  offset: number;
}

export async function listMemories(
  sql: Sql,
  f: MemoryFilter,
): Promise<{ memories: MemoryView[]; total: number }> {
  const where = ['m.bank_id = $1'];
  const params: unknown[] = [f.bankId];
  if (f.operationId) {
    const n = params.push(f.operationId);
    where.push(
      `m.operation_id = coalesce((SELECT o.id FROM operations o WHERE o.bank_id = $1 AND coalesce(o.public_id, o.id) = $${n}), $${n})`,
    );
  }
  if (f.documentId) where.push(`m.document_id = $${params.push(f.documentId)}`);
  if (f.text) where.push(`strpos(lower(m.text), lower($${params.push(f.text)})) > 0`);
  if (f.entityId) {
    where.push(
      `EXISTS (SELECT 1 FROM memory_entities me WHERE me.memory_id = m.id AND me.entity_id = $${params.push(f.entityId)})`,
    );
  }
  const clause = where.join(' AND ');
  const [count] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM memories m WHERE ${clause}`,
    params,
  );
  // The page's ids first: the entity ids are then gathered for its rows only, not for every row skipped.
  const rows = await sql.query<MemoryRow>(
    `WITH page AS (SELECT m.id FROM memories m WHERE ${clause} ORDER BY m.created_at, m.id
       LIMIT $${params.length + 1} OFFSET $${params.length + 2})
     ${MEMORY_SELECT} JOIN page ON page.id = m.id ORDER BY m.created_at, m.id`,
    [...params, f.limit, f.offset],
  );
  return { memories: rows.map(toMemoryView), total: count?.n ?? 0 };
}
