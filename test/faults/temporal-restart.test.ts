import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, type DevServerOptions, startDevServer } from '../../src/temporal/dev-server.js';
import { testDevServerOptions } from '../support/dev-server.js';
import {
  AnswerLog,
  attempt,
  batchRunningPast,
  cleanRun,
  expectExactMemories,
  healthyAgain,
  pollOperation,
  referenceSubset,
  restartablePort,
  sleep,
  teardown,
} from '../support/faults.js';
import { documents, operationPath } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

const DOCS = 2_000;
const CHUNK = 100;
// Longer than the chunks' 10 s heartbeat timeout: the server times out the chunks that were in flight.
const OUTAGE_MS = 15_000;
/** How long any request may take while Temporal is down before it counts as hanging. */
const ANSWER_WITHIN_MS = 10_000;
/** Requests are still timed out past that, so a hang is measured and reported rather than waited out. */
const GIVE_UP_MS = 60_000;

const docs = documents(DOCS);
const dir = mkdtempSync(join(tmpdir(), 'hindsight-temporal-restart-'));
let serverOptions: DevServerOptions;
let server: DevServer | undefined;
let svc: TestService | undefined;

beforeAll(async () => {
  serverOptions = await testDevServerOptions({
    dbFilename: join(dir, 'temporal.sqlite'),
    port: await restartablePort(),
  });
  server = await startDevServer(serverOptions);
  svc = await startService({ chunkSize: CHUNK, env: { TEMPORAL_ADDRESS: server.address } });
}, 120_000);

afterAll(() =>
  teardown(
    () => svc?.stop(),
    () => server?.stop(),
    () => rmSync(dir, { recursive: true, force: true }),
  ),
);

/** Whether any worker polls the task queue (to tell "no worker" from "slow worker" when a wait times out). */
async function pollers(): Promise<string> {
  try {
    const res = await svc!.runtime.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: svc!.taskQueue },
      taskQueueType: 2, // TASK_QUEUE_TYPE_ACTIVITY
    });
    return JSON.stringify(
      res.pollers.map((p) => ({ identity: p.identity, last: p.lastAccessTime?.seconds })),
    );
  } catch (error) {
    return `describeTaskQueue failed: ${error}`;
  }
}

describe('stopping the Temporal server mid-batch and starting it again', () => {
  it('answers clearly while Temporal is down, then finishes every operation exactly', async () => {
    const url = svc!.url;
    const reference = await cleanRun(url, docs);
    const bank = uniqueBank('temporal-restart');
    const log = new AnswerLog();
    const before = await batchRunningPast(url, bank, docs, 0.25, log);
    const operationId: string = before.operation_id;

    await server!.stop();
    const downAt = Date.now();

    // Everything a caller might ask while Temporal is down, asked at once so the outage stays short. Soft
    // assertions up to the restart: every unclear or late answer is reported, not just the first.
    const lateBank = uniqueBank('temporal-down-submit');
    const lateDocs = docs.slice(0, 50);
    const [health, during, listed, memories, late] = await Promise.all([
      attempt(url, 'GET', '/health', undefined, GIVE_UP_MS),
      attempt(url, 'GET', operationPath(bank, operationId), undefined, GIVE_UP_MS),
      attempt(url, 'GET', `/v1/default/banks/${bank}/operations`, undefined, GIVE_UP_MS),
      attempt(url, 'GET', `/v1/default/banks/${bank}/memories?limit=1`, undefined, GIVE_UP_MS),
      // A submit while Temporal is down is accepted (the claim check is in the store) and started later.
      attempt(
        url,
        'POST',
        `/v1/default/banks/${lateBank}/memories`,
        { items: lateDocs, async: true },
        GIVE_UP_MS,
      ),
    ]);
    console.info(
      `with Temporal down: health ${health.status} in ${health.ms} ms, GET operation ${during.status} in ` +
        `${during.ms} ms, list ${listed.status} in ${listed.ms} ms, memories ${memories.status} in ` +
        `${memories.ms} ms, POST async retain ${late.status} in ${late.ms} ms`,
    );
    const probes = {
      'GET /health': health,
      'GET operation': during,
      'list operations': listed,
      'list memories': memories,
      'POST async retain': late,
    };
    for (const [what, reply] of Object.entries(probes)) {
      // 503 is the right answer from /health, and an acceptable one from GET operation.
      log.note(`${what} (Temporal down)`, reply, reply === health || reply === during ? [503] : []);
      expect.soft(reply.ms, `${what} hung with Temporal down`).toBeLessThan(ANSWER_WITHIN_MS);
    }

    expect.soft(health.status).toBe(503);
    expect.soft(health.body?.parts?.temporal?.status).toBe('unavailable');
    expect.soft(health.body?.parts?.database?.status).toBe('ok');
    // GET operation reads the store; a live progress query cannot answer, which must not turn into a 500.
    expect.soft([200, 503], JSON.stringify(during.body)).toContain(during.status);
    if (during.status === 200) {
      expect.soft(during.body.status).toBe('running');
      expect.soft(during.body.progress).toBeGreaterThanOrEqual(before.progress);
    } else if (during.status === 503) {
      expect.soft(JSON.stringify(during.body)).toMatch(/temporal/i);
    }
    expect.soft(listed.status).toBe(200);
    expect.soft(listed.body?.operations?.map((o: any) => o.operation_id)).toEqual([operationId]);
    expect.soft(memories.status).toBe(200);
    expect(late.status, JSON.stringify(late.body)).toBe(202);
    expect.soft(late.body.status).toBe('pending');

    // Polling through the rest of the outage: every answer is a clear one.
    while (Date.now() - downAt < OUTAGE_MS) {
      const reply = await attempt(url, 'GET', operationPath(bank, operationId), undefined, GIVE_UP_MS);
      log.note('GET operation (Temporal down)', reply, [503]);
      expect.soft(reply.ms, 'GET operation hung with Temporal down').toBeLessThan(ANSWER_WITHIN_MS);
      expect.soft([200, 503]).toContain(reply.status);
      await sleep(500);
    }
    server = await startDevServer(serverOptions);
    const restartedAt = Date.now();
    console.info(`Temporal was down for ${restartedAt - downAt} ms`);
    await healthyAgain(url);

    let operation: any;
    try {
      operation = await pollOperation(() => url, bank, operationId, {
        timeoutMs: 120_000,
        log,
        intervalMs: 250,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nactivity pollers on the task queue: ${await pollers()}`);
    }
    console.info(`batch completed ${Date.now() - restartedAt} ms after Temporal came back`);
    await expectExactMemories(url, bank, operation, reference, { bankHoldsOnlyThis: true });

    const lateOp = await pollOperation(() => url, lateBank, late.body.operation_id, {
      timeoutMs: 60_000,
      log,
    });
    await expectExactMemories(url, lateBank, lateOp, referenceSubset(reference, lateDocs), {
      bankHoldsOnlyThis: true,
    });
    expect(log.serverErrors).toEqual([]);
  }, 180_000);
});
