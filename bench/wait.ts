/**
 * `npm run bench:wait`: 1,000 clients waiting on one running 2,000-document batch with
 * `GET …/operations/{id}?wait=60s` (asking again whenever a wait runs out). Prints the batch's pace with them
 * against the same batch alone, and how long after `completed_at` each waiter had its answer, in one run.
 */

import { makeDocuments } from './corpus.js';
import { loadAverage, runBench, startBenchService } from './lifecycle.js';
import { fmt, sleep, summarize, table } from './measure.js';
import { cancelOpenOperations, opsPath, submit, waitEnded } from './operations.js';
import type { ServiceChild } from './service.js';
import { log } from './settings.js';

const BATCH_DOCS = 2_000;
const WAITERS = 1_000;
interface Timed {
  ms: number;
  docsPerSecond: number;
  /** Per waiter: ms from completed_at to its answer's headers (which say it ended), and to its whole body. */
  heardDelays: number[];
  delays: number[];
  refused: number;
}

/** Connections the server closed before its whole answer arrived (retried at once). */
let broken = 0;

/** One waiter: waits until the answer says the operation ended, and notes when that answer arrived. */
async function waiter(
  url: string,
  path: string,
): Promise<{ heardAt: number; at: number; completedAt: number } | undefined> {
  for (;;) {
    let res: Response;
    let body: any;
    let heardAt: number;
    try {
      res = await fetch(`${url}${path}?wait=60s`);
      heardAt = Date.now();
      body = await res.json();
    } catch {
      broken++;
      continue;
    }
    const at = Date.now();
    if (res.status !== 200) return undefined;
    if (res.headers.get('operation-ended') === 'true')
      return { heardAt, at, completedAt: Date.parse(body.completed_at) };
  }
}

async function timedBatch(
  service: ServiceChild,
  bank: string,
  seed: number,
  waiters: number,
): Promise<Timed> {
  const { operationId } = await submit(service.url, bank, makeDocuments(BATCH_DOCS, seed));
  const path = `${opsPath(bank)}/${operationId}`;
  const answers = Promise.all(Array.from({ length: waiters }, () => waiter(service.url, path)));
  const done = await waitEnded(service.url, bank, operationId);
  const heard = await answers;
  await cancelOpenOperations(service.url, bank);
  await sleep(500);
  const ms = Date.parse(done.completed_at) - Date.parse(done.created_at);
  const answered = heard.flatMap((h) => (h ? [h] : []));
  return {
    ms,
    docsPerSecond: (BATCH_DOCS / ms) * 1000,
    heardDelays: answered.map((h) => h.heardAt - h.completedAt),
    delays: answered.map((h) => h.at - h.completedAt),
    refused: heard.length - answered.length,
  };
}

async function main(): Promise<void> {
  const { loadBefore, service, stop } = await startBenchService('wait', {
    // Every waiter connects from 127.0.0.1, so they all count as one client.
    env: { HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT: String(WAITERS) },
  });
  try {
    log('warm-up batch');
    await timedBatch(service, 'bench-wait-warm', 3, 0);
    log(`${BATCH_DOCS.toLocaleString('en')}-document batch alone`);
    const alone = await timedBatch(service, 'bench-wait-alone', 5, 0);
    log(`the same batch with ${WAITERS} waiting clients`);
    const waited = await timedBatch(service, 'bench-wait-waited', 5, WAITERS);
    log('the same batch alone again');
    const aloneAgain = await timedBatch(service, 'bench-wait-alone-again', 5, 0);
    const loadAfter = loadAverage();

    const delays = (values: number[]) => {
      const d = summarize(values);
      return d.n ? `${fmt.ms(d.p50)} / ${fmt.ms(d.p99)} / ${fmt.ms(d.max)} (${d.n})` : '—';
    };
    const row = (name: string, t: Timed) => [
      name,
      fmt.s(t.ms),
      `${t.docsPerSecond.toFixed(0)}/s`,
      fmt.ratio(t.docsPerSecond / ((alone.docsPerSecond + aloneAgain.docsPerSecond) / 2)),
      delays(t.heardDelays),
      delays(t.delays),
      t.delays.length || t.refused ? String(t.refused) : '—',
    ];
    console.log(
      `\n${table(
        [
          `${BATCH_DOCS.toLocaleString('en')}-document batch`,
          'time',
          'pace',
          'vs alone (mean of both)',
          'completed_at → headers (ended) p50 / p99 / max (n)',
          'completed_at → whole answer p50 / p99 / max',
          'refused',
        ],
        [row('alone', alone), row(`+ ${WAITERS} waiting clients`, waited), row('alone again', aloneAgain)],
      )}\n`,
    );
    console.log(`connections closed before the answer arrived (asked again): ${broken}`);
    console.log(`load average: ${loadBefore} before, ${loadAfter} after`);
  } finally {
    await stop();
  }
}

runBench(main);
