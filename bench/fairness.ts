/**
 * Fair to every bank: submit → completed of a small bank's 20-document batch, alone and while another bank
 * has 50 batches of 2,000 documents queued (two running, as HINDSIGHT_BANK_CONCURRENCY allows), over HTTP to
 * the real service (API and worker in one process, as `npm start` runs them). Prints the ratio and the flood's
 * pace while it was measured. About two minutes.
 *
 *   npx tsx bench/fairness.ts
 */
import { makeDocuments } from './corpus.js';
import { startInProcessService } from './in-process.js';
import { percentile, sleep } from './measure.js';
import { cancelOpenOperations, listOperations, pollOperation, submit } from './operations.js';

const FLOOD_BATCHES = 50;
const FLOOD_DOCS = 2_000;
const SMALL_DOCS = 20;
const RUNS = 5;
const FLOOD = 'bench-flood';

/** Submit → completed of one async batch, polled every 50 ms. */
async function batchMs(url: string, bank: string, docs: number, seed: number): Promise<number> {
  const started = performance.now();
  const { operationId } = await submit(url, bank, makeDocuments(docs, seed));
  await pollOperation(url, bank, operationId, (op) => op.status === 'completed', 50);
  return performance.now() - started;
}

/** Documents the flood's batches have retained so far. */
async function floodDone(url: string): Promise<number> {
  const batches = (await listOperations(url, FLOOD)).filter((op) => op.type === 'batch_retain');
  return batches.reduce((n: number, op: { progress: number }) => n + op.progress, 0);
}

async function main() {
  const service = await startInProcessService({ database: 'bench_fairness', worker: true });
  const { url } = service;
  try {
    await batchMs(url, 'bench-warm', 200, 99);
    const alone: number[] = [];
    for (let i = 0; i < RUNS; i++) alone.push(await batchMs(url, `bench-small-alone-${i}`, SMALL_DOCS, i));

    for (let i = 0; i < FLOOD_BATCHES; i++) await submit(url, FLOOD, makeDocuments(FLOOD_DOCS, 1000 + i));
    while ((await floodDone(url)) === 0) await sleep(100);
    const before = { done: await floodDone(url), at: performance.now() };
    const behind: number[] = [];
    for (let i = 0; i < RUNS; i++) behind.push(await batchMs(url, `bench-small-behind-${i}`, SMALL_DOCS, i));
    const pace = ((await floodDone(url)) - before.done) / ((performance.now() - before.at) / 1000);

    const a = percentile(alone, 50);
    const b = percentile(behind, 50);
    console.log('| small batch (20 documents) | submit → completed p50 | max |');
    console.log('| --- | --- | --- |');
    console.log(`| alone | ${a.toFixed(0)} ms | ${Math.max(...alone).toFixed(0)} ms |`);
    console.log(
      `| behind ${FLOOD_BATCHES} × ${FLOOD_DOCS} documents of another bank | ${b.toFixed(0)} ms | ${Math.max(...behind).toFixed(0)} ms |`,
    );
    console.log(`\nratio behind ÷ alone: ${(b / a).toFixed(2)}× (target ≤ 2×)`);
    console.log(`the flood's pace meanwhile: ${pace.toFixed(0)} documents/s`);
    await cancelOpenOperations(url, FLOOD);
  } finally {
    await service.stop();
  }
}

await main();
