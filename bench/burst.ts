/**
 * `npm run bench:burst`: 200 clients submitting at once (10 documents each, into 20 banks) while a
 * 2,000-document batch runs. Prints each submit's wait for its 202 and the batch's pace against the same batch
 * alone, in one run.
 */

import { makeDocuments } from './corpus.js';
import { loadAverage, runBench, startBenchService } from './lifecycle.js';
import { fmt, sleep, summarize, table } from './measure.js';
import { cancelOpenOperations, pollOperation, submit, waitEnded } from './operations.js';
import type { ServiceChild } from './service.js';
import { log } from './settings.js';

const BATCH_DOCS = 2_000;
const SUBMITS = 200;
const BANKS = 20;
const DOCS_EACH = 10;
/** Lets the cancelled burst's last workflow tasks and the store's clean-up finish before the next batch. */
const SETTLE_MS = 15_000;
/** The bank the burst's `i`-th submit goes to, beside the batch's own `bank`. */
const burstBank = (bank: string, i: number) => `${bank}-burst-${i % BANKS}`;
interface Timed {
  ms: number;
  docsPerSecond: number;
  /** Each burst submit's time to its 202. */
  submits: number[];
}

async function timedBatch(service: ServiceChild, bank: string, seed: number, burst: boolean): Promise<Timed> {
  const { operationId } = await submit(service.url, bank, makeDocuments(BATCH_DOCS, seed));
  let submits: number[] = [];
  if (burst) {
    // The burst lands while the batch's chunks run, not while it still waits to start.
    await pollOperation(service.url, bank, operationId, (op) => op.progress > 0, 50);
    submits = await Promise.all(
      Array.from({ length: SUBMITS }, async (_, i) => {
        const docs = makeDocuments(DOCS_EACH, 10_000 + i);
        return (await submit(service.url, burstBank(bank, i), docs)).ms;
      }),
    );
  }
  const done = await waitEnded(service.url, bank, operationId);
  // The burst's own batches (and their follow-ups) would otherwise still run under the next batch alone.
  const banks = burst ? Array.from({ length: BANKS }, (_, i) => burstBank(bank, i)) : [];
  await Promise.all([bank, ...banks].map((b) => cancelOpenOperations(service.url, b)));
  const ms = Date.parse(done.completed_at) - Date.parse(done.created_at);
  return { ms, docsPerSecond: (BATCH_DOCS / ms) * 1000, submits };
}

async function main(): Promise<void> {
  const { loadBefore, service, stop } = await startBenchService('burst');
  try {
    log('warm-up batch');
    await timedBatch(service, 'bench-burst-warm', 3, false);
    log(`${BATCH_DOCS.toLocaleString('en')}-document batch alone`);
    const alone = await timedBatch(service, 'bench-burst-alone', 5, false);
    log(`the same batch with ${SUBMITS} submits at once beside it`);
    const burst = await timedBatch(service, 'bench-burst-beside', 5, true);
    await sleep(SETTLE_MS);
    log('the same batch alone again');
    const aloneAgain = await timedBatch(service, 'bench-burst-alone-again', 5, false);
    const loadAfter = loadAverage();

    const meanAlone = (alone.docsPerSecond + aloneAgain.docsPerSecond) / 2;
    const row = (name: string, t: Timed) => {
      const s = summarize(t.submits);
      return [
        name,
        fmt.s(t.ms),
        `${t.docsPerSecond.toFixed(0)}/s`,
        fmt.ratio(t.docsPerSecond / meanAlone),
        s.n ? `${fmt.ms(s.p50)} / ${fmt.ms(s.p99)} / ${fmt.ms(s.max)} (${s.n})` : '—',
      ];
    };
    console.log(
      `\n${table(
        [
          `${BATCH_DOCS.toLocaleString('en')}-document batch`,
          'time',
          'pace',
          'vs alone (mean of both)',
          `202 of ${SUBMITS} submits at once, p50 / p99 / max (n)`,
        ],
        [
          row('alone', alone),
          row(`+ ${SUBMITS} submits (${BANKS} banks)`, burst),
          row('alone again', aloneAgain),
        ],
      )}\n`,
    );
    console.log(`load average: ${loadBefore} before, ${loadAfter} after`);
  } finally {
    await stop();
  }
}

runBench(main);
