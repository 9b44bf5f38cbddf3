import type { Sql } from '../../src/store/db.js';

/**
 * Loads memories straight into the store (no retain, no model): `count` memories in documents of `perDocument`,
 * each linked to the next, mentioning one of a few entities, plus an observation and a webhook.
 */
export async function seedBank(sql: Sql, bankId: string, count: number, perDocument = 100): Promise<void> {
  await sql.query('INSERT INTO banks (id) VALUES ($1) ON CONFLICT DO NOTHING', [bankId]);
  await sql.query(
    `INSERT INTO memories (id, bank_id, document_id, item_index, fact_index, text, tags)
     SELECT $1 || '-m' || i, $1, $1 || '-doc' || (i / $3), i, 0, 'seeded fact number ' || i, '["seed"]'
     FROM generate_series(0, $2 - 1) AS i`,
    [bankId, count, perDocument],
  );
  await sql.query(
    `INSERT INTO entities (id, bank_id, name, normalized, kind)
     SELECT $1 || '-e' || i, $1, 'Entity ' || i, 'entity ' || i, 'thing' FROM generate_series(0, 9) AS i`,
    [bankId],
  );
  await sql.query(
    `INSERT INTO memory_entities (memory_id, entity_id)
     SELECT $1 || '-m' || i, $1 || '-e' || (i % 10) FROM generate_series(0, $2 - 1) AS i`,
    [bankId, count],
  );
  await sql.query(
    `INSERT INTO memory_links (memory_id, target_id, kind, weight)
     SELECT $1 || '-m' || i, $1 || '-m' || (i + 1), 'temporal', 0.5 FROM generate_series(0, $2 - 2) AS i`,
    [bankId, count],
  );
  await sql.query(
    `INSERT INTO observations (entity_id, bank_id, text, memory_ids) VALUES ($1 || '-e0', $1, 'seen', '[]')`,
    [bankId],
  );
  await sql.query(
    `INSERT INTO webhooks (id, bank_id, url, events, secret) VALUES ($1 || '-w', $1, 'http://127.0.0.1:9/', '[]', 's')`,
    [bankId],
  );
}

/** Every row anywhere that belongs to the bank (seeded ids carry the bank's name), table by table. */
export async function rowsOfBank(sql: Sql, bankId: string, exceptOperation?: string) {
  const like = `${bankId}-%`;
  const one = async (text: string, params: unknown[]) =>
    (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${text}`, params))[0]?.n ?? 0;
  return {
    banks: await one('banks WHERE id = $1', [bankId]),
    memories: await one('memories WHERE bank_id = $1', [bankId]),
    memory_links: await one('memory_links WHERE memory_id LIKE $1 OR target_id LIKE $1', [like]),
    memory_entities: await one('memory_entities WHERE memory_id LIKE $1 OR entity_id LIKE $1', [like]),
    entities: await one('entities WHERE bank_id = $1', [bankId]),
    observations: await one('observations WHERE bank_id = $1', [bankId]),
    operations: await one('operations WHERE bank_id = $1 AND id IS DISTINCT FROM $2', [
      bankId,
      exceptOperation ?? null,
    ]),
    retain_items: await one(
      'retain_items r JOIN operations o ON o.id = r.operation_id WHERE o.bank_id = $1',
      [bankId],
    ),
    model_answers: await one(
      'model_answers a JOIN operations o ON o.id = a.operation_id WHERE o.bank_id = $1',
      [bankId],
    ),
    webhooks: await one('webhooks WHERE bank_id = $1', [bankId]),
    webhook_events: await one('webhook_events WHERE bank_id = $1', [bankId]),
    webhook_deliveries: await one(
      'webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.bank_id = $1',
      [bankId],
    ),
  };
}
