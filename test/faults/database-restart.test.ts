import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/db.js';
import {
  AnswerLog,
  attempt,
  batchRunningPast,
  cleanRun,
  expectExactMemories,
  healthyAgain,
  pollOperation,
  restartablePort,
  sleep,
  teardown,
} from '../support/faults.js';
import { documents, operationPath } from '../support/http.js';
import { PostgresServer } from '../support/postgres-server.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The system PostgreSQL leg only: the suite starts and stops a Debian server of its own.
const DOCS = 2_000;
const CHUNK = 100;
// Several chunk attempts fail meanwhile and wait out their retry backoff.
const OUTAGE_MS = 10_000;
/** How long any request may take while the database is down before it counts as hanging. */
const ANSWER_WITHIN_MS = 5_000;
const GIVE_UP_MS = 60_000;

const docs = documents(DOCS);
let server: PostgresServer | undefined;
let db: (Database & { url: string }) | undefined;
let svc: TestService | undefined;

beforeAll(async () => {
  server = await PostgresServer.start(await restartablePort());
  db = Object.assign(openDatabase(server.url), { url: server.url });
  svc = await startService({ db, chunkSize: CHUNK });
}, 120_000);

afterAll(() =>
  teardown(
    () => svc?.stop(),
    () => db?.close(),
    () => server?.remove(),
  ),
);

describe('stopping the PostgreSQL server mid-batch and starting it again', () => {
  it('answers 503 while the database is down, changes nothing, then finishes the batch exactly', async () => {
    const url = svc!.url;
    const reference = await cleanRun(url, docs);
    const bank = uniqueBank('db-restart');
    const log = new AnswerLog();
    const before = await batchRunningPast(url, bank, docs, 0.25, log);
    const operationId: string = before.operation_id;

    await server!.stop();
    const downAt = Date.now();

    const refusedBank = uniqueBank('db-down-submit');
    const [health, during, listed, submit] = await Promise.all([
      attempt(url, 'GET', '/health', undefined, GIVE_UP_MS),
      attempt(url, 'GET', operationPath(bank, operationId), undefined, GIVE_UP_MS),
      attempt(url, 'GET', `/v1/default/banks/${bank}/operations`, undefined, GIVE_UP_MS),
      attempt(
        url,
        'POST',
        `/v1/default/banks/${refusedBank}/memories`,
        { items: docs.slice(0, 20), async: true },
        GIVE_UP_MS,
      ),
    ]);
    console.info(
      `with the database down: health ${health.status} in ${health.ms} ms, GET operation ${during.status} ` +
        `in ${during.ms} ms, list ${listed.status} in ${listed.ms} ms, POST ${submit.status} in ${submit.ms} ms`,
    );
    for (const [what, reply] of Object.entries({ health, during, listed, submit })) {
      log.note(`${what} (database down)`, reply, [503]);
      expect.soft(reply.ms, `${what} hung with the database down`).toBeLessThan(ANSWER_WITHIN_MS);
    }
    expect.soft(health.status).toBe(503);
    expect.soft(health.body?.parts?.database?.status).toBe('unavailable');
    expect.soft(health.body?.parts?.temporal?.status).toBe('ok');
    for (const reply of [during, listed, submit]) {
      expect.soft(reply.status, JSON.stringify(reply.body)).toBe(503);
      expect.soft(reply.body?.error?.code).toBe('unavailable');
      expect.soft(reply.body?.error?.message).toMatch(/unavailable, retry shortly/);
    }

    while (Date.now() - downAt < OUTAGE_MS) {
      const reply = await attempt(url, 'GET', operationPath(bank, operationId), undefined, GIVE_UP_MS);
      log.note('GET operation (database down)', reply, [503]);
      expect.soft(reply.status).toBe(503);
      await sleep(500);
    }
    await server!.restart();
    const restartedAt = Date.now();
    console.info(`the database was down for ${restartedAt - downAt} ms`);
    await healthyAgain(url);

    const operation = await pollOperation(() => url, bank, operationId, {
      timeoutMs: 120_000,
      intervalMs: 250,
      log,
    });
    console.info(`batch completed ${Date.now() - restartedAt} ms after the database came back`);
    await expectExactMemories(url, bank, operation, reference, { bankHoldsOnlyThis: true });

    // The refused submit left nothing behind.
    const refused = await attempt(url, 'GET', `/v1/default/banks/${refusedBank}/operations`);
    expect(refused.body.total).toBe(0);
    expect(log.serverErrors).toEqual([]);
  }, 240_000);
});
