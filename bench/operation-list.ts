/**
 * List latency against how many ended operations the store holds: `GET …/operations` of one bank with 1,000
 * ended operations, in a store of 1,000 and of 1,000,000 ended operations (the others in 1,000 other banks).
 * Rows are written directly with generate_series; the list goes over HTTP to the real API.
 *
 *   npx tsx bench/operation-list.ts
 */
import { openDatabase, type Sql } from '../src/store/db.js';
import { startInProcessService } from './in-process.js';
import { percentile } from './measure.js';

const BANK = 'bench-listed';
const REQUESTS = 100;

/** Ended batch retains numbered [from, to), in `banks` banks (or all in BANK when banks is 0). */
async function insertEnded(sql: Sql, from: number, to: number, banks: number): Promise<void> {
  const bank = banks === 0 ? `'${BANK}'` : `'bench-other-' || (g % ${banks})`;
  await sql.query(
    `INSERT INTO operations (id, bank_id, type, status, progress, total, created_at, started_at, completed_at,
       result, params, workflow_id)
     SELECT 'op-bench-' || g, ${bank}, 'batch_retain', 'completed', 1, 1, now() - interval '1 hour',
       now() - interval '1 hour', now() - interval '1 hour',
       '{"items_count": 1, "memories_count": 1, "entities_count": 0, "failed_items": []}'::jsonb, '{}'::jsonb,
       'batch_retain/bench/' || g
     FROM generate_series($1::int, $2::int - 1) AS g`,
    [from, to],
  );
  await sql.query('ANALYZE operations');
}

async function listLatency(url: string): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS + 10; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/v1/default/banks/${BANK}/operations?limit=20`);
    if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
    await res.json();
    if (i >= 10) samples.push(performance.now() - started); // the first ten warm the caches
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const t0 = performance.now();
const step = (what: string) => console.error(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${what}`);

async function main() {
  const service = await startInProcessService({
    database: 'bench_operation_list',
    worker: false,
    env: { HINDSIGHT_OPERATION_RETENTION: 'off' },
  });
  step('service started');
  const db = openDatabase(service.databaseUrl);
  const rows: string[] = [];
  try {
    await db.query(`INSERT INTO banks (id) VALUES ('${BANK}')`);
    await insertEnded(db, 0, 1_000, 0);
    const small = await listLatency(service.url);
    step('listed with 1,000');
    rows.push(`| 1,000 | 1,000 | ${small.p50.toFixed(1)} ms | ${small.p95.toFixed(1)} ms |`);
    await insertEnded(db, 1_000, 1_000_000, 1_000);
    step('inserted 1,000,000');
    const large = await listLatency(service.url);
    rows.push(`| 1,000,000 | 1,000 | ${large.p50.toFixed(1)} ms | ${large.p95.toFixed(1)} ms |`);
  } finally {
    console.log('| ended operations in the store | in the listed bank | list p50 | list p95 |');
    console.log('| --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
    await db.close();
    await service.stop();
  }
}

await main();
