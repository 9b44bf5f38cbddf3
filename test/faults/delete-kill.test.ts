import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/store/db.js';
import { rowsOfBank, seedBank } from '../deletes/seed.js';
import { type ChildService, killAllChildren, spawnService } from '../support/child-service.js';
import { attempt, pollOperation, teardown } from '../support/faults.js';
import { openTestDatabase, startService, type TestService, uniqueBank } from '../support/service.js';

// A bank delete is a durable operation: the worker process that runs it is killed mid-delete, and the next
// one picks it up and finishes, leaving nothing of the bank and every other bank as it was.
const MEMORIES = 20_000;

const taskQueue = `faults-delete-${randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hindsight-delete-kill-'));
let db: (Database & { url: string }) | undefined;
let api: TestService | undefined;
let child: ChildService | undefined;

function startWorker(): void {
  child = spawnService('worker', {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_LOG_LEVEL: 'warn',
    DATABASE_URL: db!.url,
  });
}

beforeAll(async () => {
  db = await openTestDatabase();
  api = await startService({ worker: false, db, taskQueue });
  startWorker();
}, 120_000);

afterAll(() =>
  teardown(
    () => killAllChildren(),
    () => api?.stop(),
    () => db?.close(),
    () => rmSync(dataDir, { recursive: true, force: true }),
  ),
);

describe('SIGKILL of the worker mid-delete', () => {
  it(`finishes deleting a bank of ${MEMORIES} memories after the worker is killed`, async () => {
    const bank = uniqueBank('doomed');
    const other = uniqueBank('kept');
    await seedBank(db!, bank, MEMORIES);
    await seedBank(db!, other, 300);
    const otherBefore = await rowsOfBank(db!, other);

    const res = await attempt(api!.url, 'DELETE', `/v1/default/banks/${bank}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const deleteId: string = res.body.operation_id;
    const base = () => api!.url;
    const seen = await pollOperation(base, bank, deleteId, {
      until: (op) => op.status !== 'pending' && (op.progress > 0 || op.status !== 'running'),
      timeoutMs: 120_000,
      intervalMs: 50,
    });
    expect(seen.status, 'the delete ended before the kill').toBe('running');
    await child!.kill('SIGKILL');
    startWorker();

    const ended = await pollOperation(base, bank, deleteId, { timeoutMs: 300_000, intervalMs: 250 });
    expect(ended.status).toBe('completed');
    expect(ended.progress).toBe(ended.total);
    expect(ended.progress).toBeGreaterThan(seen.progress);
    const [key] = await db!.query<{ id: string }>(
      'SELECT id FROM operations WHERE bank_id = $1 AND type = $2',
      [bank, 'delete_bank'],
    );
    const left = await rowsOfBank(db!, bank, key?.id);
    expect(left, JSON.stringify(left)).toEqual(Object.fromEntries(Object.keys(left).map((t) => [t, 0])));
    expect(await rowsOfBank(db!, other)).toEqual(otherBefore);
  }, 420_000);
});
