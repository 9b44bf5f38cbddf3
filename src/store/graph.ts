import type { MemoryForLinking } from '../domain/link-universe.js';
import type { Sql } from './db.js';

/** A memory as the linker reads it; its fact index is always known here, so "adjacent" means adjacent facts. */
export type LinkableMemory = MemoryForLinking & { position: number };

export interface LinkRow {
  sourceId: string;
  targetId: string;
  kind: 'entity' | 'temporal' | 'similarity';
  weight: number;
}

/**
 * A full rebuild marks every memory unlinked, so each one's outgoing links are recomputed and replaced;
 * links that come out the same are kept rather than counted as new.
 */
/**
 * The database's clock now, to the millisecond: the cutoff of a graph update travels as a JS date, and every
 * later comparison must see the same instant the count saw.
 */
export async function graphCutoffNow(sql: Sql): Promise<Date> {
  const [row] = await sql.query<{ now: Date }>("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  return row!.now;
}

export async function markAllUnlinked(sql: Sql, bankId: string): Promise<void> {
  await sql.query('UPDATE memories SET linked_at = NULL WHERE bank_id = $1', [bankId]);
}

export async function countUnlinked(sql: Sql, bankId: string, cutoff: Date): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM memories WHERE bank_id = $1 AND linked_at IS NULL AND created_at <= $2',
    [bankId, cutoff],
  );
  return row?.n ?? 0;
}

const LINKABLE = `SELECT m.id, m.text, m.document_id AS "documentId", m.occurred_at AS "occurredAt",
  m.created_at AS "createdAt", m.fact_index AS position,
  coalesce((SELECT array_agg(me.entity_id ORDER BY me.entity_id) FROM memory_entities me WHERE me.memory_id = m.id),
    '{}') AS "entityIds"
  FROM memories m`;

export async function nextUnlinked(
  sql: Sql,
  bankId: string,
  cutoff: Date,
  limit: number,
): Promise<LinkableMemory[]> {
  return sql.query<LinkableMemory>(
    `${LINKABLE} WHERE m.bank_id = $1 AND m.linked_at IS NULL AND m.created_at <= $2 ORDER BY m.id LIMIT $3`,
    [bankId, cutoff, limit],
  );
}

export async function allLinkable(sql: Sql, bankId: string): Promise<LinkableMemory[]> {
  return sql.query<LinkableMemory>(`${LINKABLE} WHERE m.bank_id = $1 ORDER BY m.id`, [bankId]);
}

/**
 * Replaces the outgoing links of `sourceIds` with `links` and marks the sources linked. Returns how many
 * links were new, so re-running a graph update reports (and stores) no duplicates.
 */
export async function writeLinks(sql: Sql, sourceIds: string[], links: LinkRow[]): Promise<number> {
  const before = await sql.query<{ memory_id: string; target_id: string; kind: string }>(
    'SELECT memory_id, target_id, kind FROM memory_links WHERE memory_id = ANY($1::text[])',
    [sourceIds],
  );
  const existing = new Set(before.map((l) => `${l.memory_id}\u0000${l.target_id}\u0000${l.kind}`));
  await sql.query('DELETE FROM memory_links WHERE memory_id = ANY($1::text[])', [sourceIds]);
  if (links.length > 0) {
    await sql.query(
      `INSERT INTO memory_links (memory_id, target_id, kind, weight)
       SELECT l."sourceId", l."targetId", l.kind, l.weight
       FROM jsonb_to_recordset($1::jsonb) AS l("sourceId" text, "targetId" text, kind text, weight double precision)
       ON CONFLICT (memory_id, target_id, kind) DO UPDATE SET weight = excluded.weight`,
      [JSON.stringify(links)],
    );
  }
  await sql.query('UPDATE memories SET linked_at = clock_timestamp() WHERE id = ANY($1::text[])', [
    sourceIds,
  ]);
  return links.filter((l) => !existing.has(`${l.sourceId}\u0000${l.targetId}\u0000${l.kind}`)).length;
}

export async function linksOf(
  sql: Sql,
  memoryId: string,
): Promise<{ target_id: string; kind: string; weight: number; direction: 'outgoing' | 'incoming' }[]> {
  return sql.query(
    `SELECT target_id, kind, weight, 'outgoing' AS direction FROM memory_links WHERE memory_id = $1
     UNION ALL
     SELECT memory_id AS target_id, kind, weight, 'incoming' AS direction FROM memory_links WHERE target_id = $1
     ORDER BY kind, weight DESC, target_id`,
    [memoryId],
  );
}
