import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../src/temporal/dev-server.js';
import { startTestDevServer } from '../support/dev-server.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  memoryCensus,
  type Reference,
  sleep,
  teardown,
} from '../support/faults.js';
import { documents, operationPath, TERMINAL, waitFor } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

const BANKS = 20;
const PER_BANK = 10;
const DOCS_PER_SUBMIT = 3;
const POLLERS = 50;
// Every submit of a bank may run at once: with the default of two at a time, the bank queue's hand-offs
// rather than the service's capacity would set the pace, and the run would take minutes.
const BANK_CONCURRENCY = PER_BANK;
const BOUND_MS = 150_000;
/**
 * Each poller's pause between two GETs: 50 pollers make about 50 requests a second. LOAD_POLL_EVERY_MS=100
 * is the harness's own polling pace, ten times the pressure.
 */
const POLL_EVERY_MS = Number(process.env.LOAD_POLL_EVERY_MS ?? 1_000);

// Each bank gets the same 30 documents, 3 per submit, so every bank must end up like one clean run of them.
const bankDocs = documents(PER_BANK * DOCS_PER_SUBMIT);
const submitDocs = (k: number) => bankDocs.slice(k * DOCS_PER_SUBMIT, (k + 1) * DOCS_PER_SUBMIT);

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

let server: DevServer | undefined;
let svc: TestService | undefined;
let reference: Reference;

// A Temporal server of its own: this load would otherwise hold up every suite running beside it.
beforeAll(async () => {
  server = await startTestDevServer();
  svc = await startService({
    bankConcurrency: BANK_CONCURRENCY,
    env: { TEMPORAL_ADDRESS: server.address },
  });
  reference = await cleanRun(svc.url, bankDocs);
}, 120_000);

afterAll(() =>
  teardown(
    () => svc?.stop(),
    () => server?.stop(),
  ),
);

describe(`loopback load: ${BANKS * PER_BANK} async submits over ${BANKS} banks, ${POLLERS} pollers`, () => {
  it('answers every submit 202, loses none, finishes all within the bound, and never answers 5xx', async () => {
    const url = svc!.url;
    const log = new AnswerLog();
    const banks = Array.from({ length: BANKS }, () => uniqueBank('load'));
    const started = Date.now();

    // Every submit at once, interleaved across banks.
    const jobs = Array.from({ length: PER_BANK }, (_, k) => banks.map((bank) => ({ bank, k }))).flat();
    const live: { bank: string; id: string; acceptedAt: number }[] = [];
    const lastSeen = new Map<string, string>();
    const took: number[] = []; // from the 202 to the first poll that saw the operation ended
    const done = new Map<string, any>();
    let submitsOver = false;

    const submitting = Promise.all(
      jobs.map(async ({ bank, k }) => {
        const res = await attempt(
          url,
          'POST',
          `/v1/default/banks/${bank}/memories`,
          { items: submitDocs(k), async: true },
          60_000,
        );
        log.note('POST async retain', res);
        if (res.status === 202) live.push({ bank, id: res.body.operation_id, acceptedAt: Date.now() });
        return { bank, k, res };
      }),
    ).finally(() => {
      submitsOver = true;
    });

    // Pollers share the operations still running, round robin, until every one has ended.
    let next = 0;
    let slowest = 0;
    const latencies: number[] = [];
    const poller = async () => {
      for (;;) {
        const open = live.filter((o) => !done.has(o.id));
        if (open.length === 0) {
          if (submitsOver) return;
          await sleep(50);
          continue;
        }
        if (Date.now() - started > BOUND_MS) return;
        const op = open[next++ % open.length]!;
        const reply = await attempt(url, 'GET', operationPath(op.bank, op.id), undefined, 30_000);
        latencies.push(reply.ms);
        log.note('GET operation', reply);
        slowest = Math.max(slowest, reply.ms);
        if (reply.status === 200) lastSeen.set(op.id, `${reply.body.status} ${reply.body.progress}`);
        if (reply.status === 200 && TERMINAL.includes(reply.body.status)) {
          done.set(op.id, reply.body);
          took.push(Date.now() - op.acceptedAt);
        }
        await sleep(POLL_EVERY_MS);
      }
    };
    const [submits] = await Promise.all([submitting, ...Array.from({ length: POLLERS }, poller)]);
    const elapsed = Date.now() - started;
    const answers = [...log.statuses.values()].reduce((a, b) => a + b, 0);
    const latency = `${pct(latencies, 0.5)}/${pct(latencies, 0.95)}/${slowest}`;
    console.info(
      `load: ${submits.length} submits (slowest ${Math.max(...submits.map((s) => s.res.ms))} ms), ` +
        `${answers} answers ${JSON.stringify(log.summary())}, GET p50/p95/max ${latency} ms, ` +
        `202-to-ended p50/p95/max ${pct(took, 0.5)}/${pct(took, 0.95)}/${Math.max(0, ...took)} ms, ` +
        `all ended after ${elapsed} ms`,
    );

    const refused = submits.filter((s) => s.res.status !== 202);
    expect(refused.map((s) => `${s.res.status} ${s.res.error ?? JSON.stringify(s.res.body)}`)).toEqual([]);
    expect(new Set(live.map((o) => o.id)).size).toBe(BANKS * PER_BANK);
    expect(log.serverErrors).toEqual([]);
    expect(log.statuses.get(0) ?? 0, 'requests that got no answer').toBe(0);
    const stuck = live.filter((o) => !done.has(o.id)).map((o) => `${o.bank} ${o.id}: ${lastSeen.get(o.id)}`);
    expect(stuck, `not ended within ${BOUND_MS} ms`).toEqual([]);
    const notCompleted = [...done.values()].filter((o) => o.status !== 'completed');
    expect(notCompleted.map((o) => `${o.operation_id} ${o.status} ${o.error}`)).toEqual([]);

    // None lost: each bank lists exactly its submits, and holds exactly one clean run's memories.
    for (const bank of banks) {
      const list = await attempt(
        url,
        'GET',
        `/v1/default/banks/${bank}/operations?type=batch_retain&limit=100`,
      );
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(PER_BANK);
      const listed = (list.body.operations as { operation_id: string }[]).map((o) => o.operation_id).sort();
      expect(listed).toEqual(
        live
          .filter((o) => o.bank === bank)
          .map((o) => o.id)
          .sort(),
      );
      const census = await memoryCensus(url, bank);
      expect(new Set(census.ids).size).toBe(census.ids.length);
      expect(census.perDocument).toEqual(reference.perDocument);
      const resultIds = live
        .filter((o) => o.bank === bank)
        .flatMap((o) => done.get(o.id).result.memory_ids as string[]);
      expect([...resultIds].sort()).toEqual([...census.ids].sort());
    }

    // The follow-up work the batches queued drains too: nothing in any bank is left pending or running.
    await waitFor(
      'every operation in every bank to end',
      async () => {
        for (const bank of banks) {
          for (const status of ['pending', 'running']) {
            const list = await attempt(
              url,
              'GET',
              `/v1/default/banks/${bank}/operations?status=${status}&limit=1`,
            );
            log.note('list operations', list);
            if (list.status !== 200 || list.body.total > 0) return false;
          }
        }
        return true;
      },
      // The follow-ups (a graph_update and a regenerate_observations per bank, one at a time in each bank) are
      // queued only as the last batches end, so they get time of their own beyond the batches' bound.
      Math.max(60_000, BOUND_MS - (Date.now() - started)),
    );
    expect(log.serverErrors).toEqual([]);
  }, 180_000);
});
