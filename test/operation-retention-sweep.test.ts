import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { BATCH_ROWS, OPERATIONS_PER_ROUND, sweepExpiredOperations } from '../src/store/retention.js';
import { openTestDatabase } from './support/service.js';

// The sweep itself against a real PostgreSQL database: more expired operations than one round takes and more
// staged items than one statement deletes, beside unfinished operations that ended "long ago" by their
// timestamps, which must stay whatever completed_at says.

let db: Database & { url: string };
beforeAll(async () => {
  db = await openTestDatabase();
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
});

const EXPIRED = OPERATIONS_PER_ROUND * 2 + 50;
const ITEMS_EACH = 6; // EXPIRED × ITEMS_EACH is over BATCH_ROWS

async function insertOperations(status: string, count: number, prefix: string, endedAgo: string) {
  await db.query(
    `INSERT INTO operations (id, bank_id, type, status, workflow_id, created_at, completed_at)
     SELECT $1 || g, 'sweep-bank', 'batch_retain', $2, 'batch_retain/sweep-bank/' || $1 || g,
       now() - $3::interval, now() - $3::interval
     FROM generate_series(1, $4::int) AS g`,
    [prefix, status, endedAgo, count],
  );
  await db.query(
    `INSERT INTO retain_items (operation_id, item_index, content)
     SELECT $1 || g, i, 'document' FROM generate_series(1, $2::int) AS g, generate_series(0, $3::int - 1) AS i`,
    [prefix, count, ITEMS_EACH],
  );
  await db.query(
    `INSERT INTO model_answers (operation_id, step, answer)
     SELECT $1 || g, 'facts:0', '{}'::jsonb FROM generate_series(1, $2::int) AS g`,
    [prefix, count],
  );
}

describe('the retention sweep in the store', () => {
  it('removes every expired operation in bounded rounds and leaves unfinished and recent ones', async () => {
    expect(EXPIRED * ITEMS_EACH).toBeGreaterThan(BATCH_ROWS);
    await db.query(`INSERT INTO banks (id) VALUES ('sweep-bank')`);
    await insertOperations('completed', EXPIRED, 'old-', '2 hours');
    await insertOperations('running', 3, 'running-', '2 hours');
    await insertOperations('pending', 2, 'pending-', '2 hours');
    await insertOperations('failed', 4, 'recent-', '1 minute');
    await db.query(`INSERT INTO memories (id, bank_id, operation_id, item_index, fact_index, text)
      VALUES ('mem-old-1', 'sweep-bank', 'old-1', 0, 0, 'a fact the bank keeps')`);

    const counts = await sweepExpiredOperations(db, 3_600_000);
    expect(counts).toEqual({
      operations: EXPIRED,
      retainItems: EXPIRED * ITEMS_EACH,
      modelAnswers: EXPIRED,
      modelUsage: 0,
      tombstones: 0,
    });
    const left = await db.query<{ id: string }>(`SELECT id FROM operations ORDER BY id`);
    expect(left.map((r) => r.id.replace(/\d+$/, ''))).toEqual([
      ...Array(2).fill('pending-'),
      ...Array(4).fill('recent-'),
      ...Array(3).fill('running-'),
    ]);
    const [items] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM retain_items`);
    expect(items!.n).toBe(9 * ITEMS_EACH);
    const [tombstones] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM expired_operations WHERE bank_id = 'sweep-bank' AND retention_ms = 3600000`,
    );
    expect(tombstones!.n).toBe(EXPIRED);
    const [memory] = await db.query(`SELECT id FROM memories WHERE id = 'mem-old-1'`);
    expect(memory).toBeDefined();

    // A second sweep finds nothing; tombstones go once they are four retention periods old (at least a day).
    expect((await sweepExpiredOperations(db, 3_600_000)).operations).toBe(0);
    await db.query(`UPDATE expired_operations SET expired_at = now() - interval '25 hours'`);
    expect((await sweepExpiredOperations(db, 3_600_000)).tombstones).toBe(EXPIRED);
  });
});
