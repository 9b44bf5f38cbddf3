import type { Sql } from './db.js';

/** A bank's counts as the published clients' `getAgentStats` reads them, plus this service's entity count. */
export async function bankStats(sql: Sql, bankId: string) {
  const [counts] = await sql.query<{
    memories: number;
    documents: number;
    entities: number;
    observations: number;
    last_write: Date | null;
  }>(
    `SELECT (SELECT count(*)::int FROM memories WHERE bank_id = $1) AS memories,
       (SELECT count(DISTINCT document_id)::int FROM memories WHERE bank_id = $1) AS documents,
       (SELECT count(*)::int FROM entities WHERE bank_id = $1) AS entities,
       (SELECT count(*)::int FROM observations WHERE bank_id = $1) AS observations,
       (SELECT max(created_at) FROM memories WHERE bank_id = $1) AS last_write`,
    [bankId],
  );
  const links = await sql.query<{ kind: string; n: number }>(
    `SELECT l.kind, count(*)::int AS n FROM memory_links l JOIN memories m ON m.id = l.memory_id
     WHERE m.bank_id = $1 GROUP BY l.kind`,
    [bankId],
  );
  const operations = await sql.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM operations WHERE bank_id = $1 GROUP BY status',
    [bankId],
  );
  const byStatus: Record<string, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const o of operations) byStatus[o.status] = o.n;
  const byKind: Record<string, number> = {};
  for (const l of links) byKind[l.kind] = l.n;
  return {
    bank_id: bankId,
    total_nodes: counts?.memories ?? 0,
    total_links: links.reduce((sum, l) => sum + l.n, 0),
    total_documents: counts?.documents ?? 0,
    total_entities: counts?.entities ?? 0,
    total_observations: counts?.observations ?? 0,
    // Memories here carry no fact type: every one counts as a world fact.
    nodes_by_fact_type: { world: counts?.memories ?? 0 },
    links_by_link_type: byKind,
    links_by_fact_type: { world: links.reduce((sum, l) => sum + l.n, 0) },
    links_breakdown: { world: byKind },
    pending_operations: (byStatus.pending ?? 0) + (byStatus.running ?? 0),
    failed_operations: byStatus.failed ?? 0,
    operations_by_status: byStatus,
    last_memory_write_at: counts?.last_write ? counts.last_write.toISOString() : null,
  };
}
