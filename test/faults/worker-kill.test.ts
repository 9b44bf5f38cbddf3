import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/store/db.js';
import { type ChildService, killAllChildren, spawnService } from '../support/child-service.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  expectExactMemories,
  faultPoints,
  pollOperation,
  type Reference,
  restartablePort,
  teardown,
} from '../support/faults.js';
import { documents } from '../support/http.js';
import { openTestDatabase, startService, type TestService, uniqueBank } from '../support/service.js';

// The API runs here and only the worker, a process of its own, is killed. (The whole all-in-one service,
// embedded servers included, is killed in embedded-store.test.ts.)
const DOCS = 3_000;
const CHUNK = 100;
const KILLS = 3;

const docs = documents(DOCS);
const taskQueue = `faults-kill-${randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hindsight-kill-'));
let port: number;
let db: (Database & { url: string }) | undefined;
let api: TestService | undefined;
let reference: TestService | undefined;
let child: ChildService | undefined;
let base: string;

function startWorker(): void {
  child = spawnService('worker', {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_LOG_LEVEL: 'warn',
    HINDSIGHT_CHUNK_SIZE: String(CHUNK),
    DATABASE_URL: db!.url,
  });
}

let referenceResult: Reference;

beforeAll(async () => {
  port = await restartablePort();
  base = `http://127.0.0.1:${port}`;
  db = await openTestDatabase();
  // The API decides the chunk size (it is part of the workflow's input), so it gets the same one.
  api = await startService({
    worker: false,
    db,
    taskQueue,
    chunkSize: CHUNK,
    env: { HINDSIGHT_PORT: String(port) },
  });
  // The clean run happens here, on a service of its own, while the child starts: once the faulty run begins,
  // this process does nothing but watch (retaining here would slow its watching down).
  const referenceRun = (async () => {
    reference = await startService({ chunkSize: CHUNK });
    referenceResult = await cleanRun(reference.url, docs, 150_000);
    await reference.stop();
    reference = undefined;
  })();
  startWorker();
  await referenceRun;
}, 150_000);

afterAll(() =>
  teardown(
    () => killAllChildren(),
    () => api?.stop(),
    () => reference?.stop(),
    () => db?.close(),
    () => rmSync(dataDir, { recursive: true, force: true }),
  ),
);

describe('SIGKILL of the worker process mid-batch', () => {
  it(`loses and duplicates nothing across ${KILLS} kills at random points of a ${DOCS}-document batch`, async () => {
    const bank = uniqueBank('kill');
    const log = new AnswerLog();
    const submitted = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const operationId: string = submitted.body.operation_id;

    const points = faultPoints(KILLS, 0.05, 0.8);
    const kills: { point: number; progressSeen: number; downMs: number }[] = [];
    let floor = 0;
    for (const point of points) {
      const target = Math.max(Math.ceil(point * DOCS), floor + 1);
      const seen = await pollOperation(() => base, bank, operationId, {
        until: (op) => op.status !== 'pending' && (op.progress >= target || op.status !== 'running'),
        timeoutMs: 60_000,
        log,
        tolerateDown: true,
      });
      expect(seen.status, `the batch ended before kill ${kills.length + 1} (points ${points})`).toBe(
        'running',
      );
      const killedAt = Date.now();
      await child!.kill('SIGKILL');
      startWorker();
      // Progress as the dead process left it: the next kill waits for the restarted worker to have moved past
      // it, so it too dies mid-work.
      const after = await pollOperation(() => base, bank, operationId, {
        until: () => true,
        timeoutMs: 30_000,
        log,
      });
      floor = after.progress;
      kills.push({ point, progressSeen: seen.progress, downMs: Date.now() - killedAt });
    }
    console.info(`worker kills at ${JSON.stringify(kills)}`);
    expect(kills).toHaveLength(KILLS);

    const operation = await pollOperation(() => base, bank, operationId, {
      timeoutMs: 90_000,
      log,
      intervalMs: 250,
    });
    await expectExactMemories(base, bank, operation, referenceResult, { bankHoldsOnlyThis: true });
    expect(log.serverErrors).toEqual([]);
  }, 180_000);
});
