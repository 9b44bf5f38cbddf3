import type { Sql } from './db.js';

export interface EntityView {
  id: string;
  bank_id: string;
  name: string;
  kind: string;
  memory_count: number;
  observation: { text: string; memory_ids: string[]; updated_at: string } | null;
}

interface EntityRow {
  id: string;
  bank_id: string;
  name: string;
  kind: string;
  memory_count: number;
  obs_text: string | null;
  obs_memory_ids: string[] | null;
  obs_updated_at: Date | null;
}

const ENTITY_SELECT = `SELECT e.id, e.bank_id, e.name, e.kind,
  (SELECT count(*)::int FROM memory_entities me WHERE me.entity_id = e.id) AS memory_count,
  o.text AS obs_text, o.memory_ids AS obs_memory_ids, o.updated_at AS obs_updated_at
  FROM entities e LEFT JOIN observations o ON o.entity_id = e.id`;

function toEntityView(r: EntityRow): EntityView {
  return {
    id: r.id,
    bank_id: r.bank_id,
    name: r.name,
    kind: r.kind,
    memory_count: r.memory_count,
    observation:
      r.obs_text !== null && r.obs_updated_at
        ? { text: r.obs_text, memory_ids: r.obs_memory_ids ?? [], updated_at: r.obs_updated_at.toISOString() }
        : null,
  };
}

export async function getEntity(sql: Sql, bankId: string, id: string): Promise<EntityView | undefined> {
  const rows = await sql.query<EntityRow>(`${ENTITY_SELECT} WHERE e.bank_id = $1 AND e.id = $2`, [
    bankId,
    id,
  ]);
  return rows[0] && toEntityView(rows[0]);
}

export async function listEntities(
  sql: Sql,
  bankId: string,
  limit: number,
  offset: number,
): Promise<{ entities: EntityView[]; total: number }> {
  const [count] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM entities WHERE bank_id = $1',
    [bankId],
  );
  const rows = await sql.query<EntityRow>(
    `${ENTITY_SELECT} WHERE e.bank_id = $1 ORDER BY memory_count DESC, e.name, e.id LIMIT $2 OFFSET $3`,
    [bankId, limit, offset],
  );
  return { entities: rows.map(toEntityView), total: count?.n ?? 0 };
}

/** Entities to summarise after `afterId` in id order: all of the bank's, or only those listed. */
export async function nextEntities(
  sql: Sql,
  bankId: string,
  onlyIds: string[] | null,
  afterId: string,
  limit: number,
): Promise<{ id: string; name: string }[]> {
  return sql.query(
    `SELECT id, name FROM entities WHERE bank_id = $1 AND id > $2 AND ($3::text[] IS NULL OR id = ANY($3::text[]))
     ORDER BY id LIMIT $4`,
    [bankId, afterId, onlyIds, limit],
  );
}

export async function countEntities(sql: Sql, bankId: string, onlyIds: string[] | null): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM entities WHERE bank_id = $1 AND ($2::text[] IS NULL OR id = ANY($2::text[]))',
    [bankId, onlyIds],
  );
  return row?.n ?? 0;
}

export async function memoriesOfEntities(
  sql: Sql,
  entityIds: string[],
): Promise<{ entity_id: string; id: string; text: string; created_at: Date }[]> {
  return sql.query(
    `SELECT me.entity_id, m.id, m.text, m.created_at FROM memory_entities me JOIN memories m ON m.id = me.memory_id
     WHERE me.entity_id = ANY($1::text[]) ORDER BY me.entity_id, m.id`,
    [entityIds],
  );
}

/** An entity's name, or undefined when it is gone. */
export async function entityName(sql: Sql, entityId: string): Promise<string | undefined> {
  const [row] = await sql.query<{ name: string }>('SELECT name FROM entities WHERE id = $1', [entityId]);
  return row?.name;
}

/** An entity's newest memories first, at most `limit`: what a model reads to write its observation. */
export async function newestMemoriesOfEntity(
  sql: Sql,
  entityId: string,
  limit: number,
): Promise<{ id: string; text: string }[]> {
  return sql.query(
    `SELECT m.id, m.text FROM memory_entities me JOIN memories m ON m.id = me.memory_id
     WHERE me.entity_id = $1 ORDER BY m.created_at DESC, m.id LIMIT $2`,
    [entityId, limit],
  );
}

/** Replaces an entity's observation; `null` removes it (its memories are gone). */
export async function saveObservation(
  sql: Sql,
  bankId: string,
  entityId: string,
  operationId: string,
  observation: { text: string; memoryIds: string[] } | null,
): Promise<void> {
  if (!observation) {
    await sql.query('DELETE FROM observations WHERE entity_id = $1', [entityId]);
    return;
  }
  await sql.query(
    `INSERT INTO observations (entity_id, bank_id, text, memory_ids, operation_id, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, clock_timestamp())
     ON CONFLICT (entity_id) DO UPDATE SET text = excluded.text, memory_ids = excluded.memory_ids,
       operation_id = excluded.operation_id, updated_at = excluded.updated_at`,
    [entityId, bankId, observation.text, JSON.stringify(observation.memoryIds), operationId],
  );
}
