/**
 * Fair to every bank: submit → completed of a small bank's 20-document batch, alone and while another bank
 * has 50 batches of 2,000 documents queued (two running, as HINDSIGHT_BANK_CONCURRENCY allows), over HTTP to
 * the real service (API and worker in one process, as `npm start` runs them). Prints the ratio and the flood's
 * pace while it was measured. About two minutes.
 *
 *   npx tsx bench/fairness.ts
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { createDatabase } from '../test/support/postgres-admin.js';
import { PostgresServer } from '../test/support/postgres-server.js';
import { makeDocuments } from './corpus.js';
import { percentile, sleep } from './measure.js';

const FLOOD_BATCHES = 50;
const FLOOD_DOCS = 2_000;
const SMALL_DOCS = 20;
const RUNS = 5;

async function post(url: string, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function get(url: string, path: string): Promise<any> {
  return (await fetch(`${url}${path}`)).json();
}

/** Submit → completed of one async batch, polled every 50 ms. */
async function batchMs(url: string, bank: string, docs: number, seed: number): Promise<number> {
  const started = performance.now();
  const op = await post(url, `/v1/default/banks/${bank}/memories`, {
    items: makeDocuments(docs, seed),
    async: true,
  });
  for (;;) {
    const now = await get(url, `/v1/default/banks/${bank}/operations/${op.operation_id}`);
    if (now.status === 'completed') return performance.now() - started;
    if (now.status === 'failed' || now.status === 'cancelled') throw new Error(`batch ${now.status}`);
    await sleep(50);
  }
}

async function floodDone(url: string): Promise<number> {
  const list = await get(url, '/v1/default/banks/bench-flood/operations?type=batch_retain&limit=100');
  return list.operations.reduce((n: number, op: { progress: number }) => n + op.progress, 0);
}

async function main() {
  const postgres = await PostgresServer.start(await freePort());
  const dev = await startDevServer({
    dbFilename: undefined,
    port: await freePort(),
    uiPort: undefined,
    namespace: 'default',
    cliPath: undefined,
    logger: createLogger('silent'),
  });
  const config = loadConfig({
    HINDSIGHT_PORT: '0',
    HINDSIGHT_LOG_LEVEL: 'silent',
    DATABASE_URL: await createDatabase(postgres.url, 'bench_fairness'),
    TEMPORAL_ADDRESS: dev.address,
  });
  const runtime = await startRuntime(config, { api: true, worker: true, logger: createLogger('silent') });
  const url = runtime.url!;
  try {
    await batchMs(url, 'bench-warm', 200, 99);
    const alone: number[] = [];
    for (let i = 0; i < RUNS; i++) alone.push(await batchMs(url, `bench-small-alone-${i}`, SMALL_DOCS, i));

    for (let i = 0; i < FLOOD_BATCHES; i++) {
      await post(url, '/v1/default/banks/bench-flood/memories', {
        items: makeDocuments(FLOOD_DOCS, 1000 + i),
        async: true,
      });
    }
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
    await post(url, '/v1/default/banks/bench-flood/operations/cancel', { status: 'pending' });
    const left = await get(url, '/v1/default/banks/bench-flood/operations?status=running&limit=100');
    for (const op of left.operations) {
      await fetch(`${url}/v1/default/banks/bench-flood/operations/${op.operation_id}`, { method: 'DELETE' });
    }
  } finally {
    await runtime.stop();
    await dev.stop();
    await postgres.remove();
  }
}

await main();
