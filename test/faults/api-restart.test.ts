import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/db.js';
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
import { documents, operationPath, waitFor } from '../support/http.js';
import { openTestDatabase, startService, type TestService, uniqueBank } from '../support/service.js';

// The API is stopped and started again while the worker, a service of its own, keeps working.
const DOCS = 2_000;
const CHUNK = 100;
const RESTARTS = 2;

const docs = documents(DOCS);
let db: Database & { url: string };
let port: number;
let base: string;
let worker: TestService | undefined;
let api: TestService | undefined;
let taskQueue: string | undefined;

/** The API, on the same port, store and task queue every time. */
async function startApi(): Promise<TestService> {
  const started = await startService({
    worker: false,
    db,
    taskQueue,
    chunkSize: CHUNK,
    env: { HINDSIGHT_PORT: String(port) },
  });
  taskQueue = started.taskQueue;
  return started;
}

beforeAll(async () => {
  db = await openTestDatabase();
  port = await restartablePort();
  base = `http://127.0.0.1:${port}`;
  api = await startApi();
  worker = await startService({ api: false, db, taskQueue, chunkSize: CHUNK });
});

afterAll(() =>
  teardown(
    () => api?.stop(),
    () => worker?.stop(),
    () => db?.close(),
  ),
);

const progressInStore = async (operationId: string) => {
  const [row] = await db.query<{ progress: number }>(
    'SELECT progress FROM operations WHERE coalesce(public_id, id) = $1',
    [operationId],
  );
  return row?.progress ?? -1;
};

describe('restarting the API mid-batch while the worker keeps going', () => {
  it(`the batch completes with exact memories across ${RESTARTS} restarts at random points`, async () => {
    const reference: Reference = await cleanRun(base, docs);
    const bank = uniqueBank('api-restart');
    const log = new AnswerLog();
    const submitted = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
      operation_id: `op-api-restart-${bank}`,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const operationId: string = submitted.body.operation_id;

    const points = faultPoints(RESTARTS, 0.1, 0.7);
    const restarts: { point: number; progressAtStop: number; progressAtStart: number }[] = [];
    for (const point of points) {
      const seen = await pollOperation(() => base, bank, operationId, {
        until: (op) => op.status !== 'pending' && (op.progress >= point * DOCS || op.status !== 'running'),
        timeoutMs: 60_000,
        log,
      });
      expect(seen.status, `the batch ended before restart ${restarts.length + 1} (points ${points})`).toBe(
        'running',
      );
      await api!.stop();
      api = undefined;
      const progressAtStop = await progressInStore(operationId);
      const down = await attempt(base, 'GET', operationPath(bank, operationId));
      expect(down.status, 'the stopped API still answered').toBe(0);
      // Nobody is serving HTTP, yet the worker keeps retaining.
      await waitFor('the worker to keep going with the API down', async () => {
        return (await progressInStore(operationId)) > progressAtStop;
      });
      api = await startApi();
      restarts.push({ point, progressAtStop, progressAtStart: await progressInStore(operationId) });
    }
    console.info(`API restarts at ${JSON.stringify(restarts)}`);

    // A client that did not hear the 202 retries with the same operation_id: same operation, nothing twice.
    const retried = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
      operation_id: operationId,
    });
    expect(retried.status).toBe(202);
    expect(retried.body.operation_id).toBe(operationId);

    const operation = await pollOperation(() => base, bank, operationId, { timeoutMs: 120_000, log });
    await expectExactMemories(base, bank, operation, reference, { bankHoldsOnlyThis: true });
    expect(log.serverErrors).toEqual([]);
  }, 180_000);
});
