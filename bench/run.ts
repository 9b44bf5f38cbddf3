/**
 * `npm run bench [-- --large] [-- --profile] [-- --quick]`: batch retain through the real service (HTTP, Temporal, worker)
 * against the same pipeline called directly, read latency under load, cancel latency and resident memory,
 * each figure measured side by side in one run. Prints the tables and writes docs/BENCHMARKS.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../src/logger.js';
import { ExtractionPool } from '../src/retain/extraction-pool.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.js';
import { migrate } from '../src/store/migrate.js';
import { startTestDevServer } from '../test/support/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { countMemories, directRetain } from './direct.js';
import { largeBank } from './large-bank.js';
import { loadAverage, runBench, scratchDir } from './lifecycle.js';
import {
  cpuSeconds,
  fmt,
  ownCpuSeconds,
  Sampler,
  sleep,
  timed,
  treeCpuSeconds,
  treePssMb,
} from './measure.js';
import { cancelOpenOperations, opsPath, pollOperation, submit, TERMINAL, waitEnded } from './operations.js';
import { throughputUnderPollers } from './pollers.js';
import { benchPostgres, deadlockCount, dropPostgresDatabase, freshPostgresDatabase } from './postgres.js';
import { summarizeProfiles } from './profile.js';
import { render } from './report.js';
import type { CancelResult, Engine, EngineResults, RetainRun } from './results.js';
import { childPid, http, type ServiceChild, startService } from './service.js';
import {
  BURST,
  CANCEL_BATCH_DOCS,
  CANCEL_RUNS,
  defaults,
  LARGE,
  LARGE_BANK_DOCS,
  log,
  MAX_BODY_BYTES,
  mean,
  POLL_BATCH_DOCS,
  POLLERS,
  PROFILE,
  QUICK,
  REPO_ROOT,
  SIZES,
  WARM_UP_DOCS,
} from './settings.js';
import { submitBurst } from './submits.js';

const logger = createLogger('warn');
const root = scratchDir('run');
/** The direct pipeline's extraction threads: as many as the service's. */
const extraction = new ExtractionPool(defaults.extractionThreads);
// ---------------------------------------------------------------------------------------------------------
// 1 + 4 + 5: batch retain through the service against the direct pipeline, with RSS and CPU

async function retainRun(
  engine: Engine,
  service: ServiceChild,
  devServerPid: number | undefined,
  openDirect: (name: string) => Promise<DirectStore>,
  docs: number,
  tag: string,
  serviceDeadlocks: (() => Promise<number>) | undefined,
): Promise<RetainRun> {
  const items = makeDocuments(docs, 1);
  const bank = `bench-${tag}`;

  // Directly: the same documents, store engine, chunk size and window, in this process, each time in a
  // fresh store that has had the same warm-up as the service's.
  const direct: { ms: number; cpu: number; memories: number; deadlocks: number }[] = [];
  const runDirect = async (name: string) => {
    const store = await openDirect(name);
    try {
      const cpuBefore = ownCpuSeconds();
      const run = await timed(() =>
        directRetain(store.db, extraction, bank, items, defaults.chunkSize, defaults.chunkConcurrency),
      );
      const cpu = ownCpuSeconds() - cpuBefore;
      const memories = await countMemories(store.db, run.value.operationId);
      direct.push({ ms: run.ms, cpu, memories, deadlocks: run.value.deadlocks });
    } finally {
      await store.cleanUp();
    }
  };
  await runDirect(`${tag}_a`);

  // Through the service: submit -> 202 -> ... -> completed (completed_at is written by the store's clock).
  const deadlocksBefore = await serviceDeadlocks?.();
  const idleAt = service.rss.mark();
  const storePid = service.postgresPid();
  const storeIdleMb = storePid ? treePssMb(storePid) : Number.NaN;
  const storeSampler = new Sampler(() => (storePid ? treePssMb(storePid) : Number.NaN), 500);
  const cpuBefore = {
    service: cpuSeconds(service.pid),
    devServer: devServerPid ? treeCpuSeconds(devServerPid) : NaN,
  };
  const t0 = Date.now();
  const { operationId, ms: submitMs } = await submit(service.url, bank, items);
  const acceptedAt = service.rss.mark();
  const done = await waitEnded(service.url, bank, operationId);
  const temporalMs = Date.parse(done.completed_at) - t0;
  const startedMs = Date.parse(done.started_at) - t0;
  const endAt = service.rss.mark();
  const serviceCpu = cpuSeconds(service.pid) - cpuBefore.service;
  const devServerCpu = devServerPid ? treeCpuSeconds(devServerPid) - cpuBefore.devServer : NaN;
  const submitRss = service.rss.between(idleAt, acceptedAt);
  const storeMb = { idle: storeIdleMb, runPeak: storeSampler.between(idleAt, storeSampler.mark()).peak };
  storeSampler.stop();
  const runRss = service.rss.between(acceptedAt, endAt);
  const followUpsCancelled = await cancelOpenOperations(service.url, bank);
  const deadlocksAfter = await serviceDeadlocks?.();

  if (docs <= 10_000) await runDirect(`${tag}_b`);

  return {
    engine,
    docs,
    submitMs,
    startedMs,
    temporalMs,
    directMs: direct.map((d) => d.ms),
    memories: { temporal: done.result.memories_count, direct: direct[0]!.memories },
    cpu: {
      service: serviceCpu,
      devServer: devServerCpu,
      direct: direct.reduce((sum, d) => sum + d.cpu, 0) / direct.length,
    },
    rss: { idle: submitRss.start, submitPeak: submitRss.peak, runPeak: runRss.peak, end: runRss.end },
    storeMb,
    followUpsCancelled,
    deadlocks:
      deadlocksAfter === undefined
        ? undefined
        : {
            service: deadlocksAfter - deadlocksBefore!,
            direct: direct.reduce((sum, d) => sum + d.deadlocks, 0),
          },
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3: DELETE on a running batch until the operation reads `cancelled`

async function cancelLatency(service: ServiceChild): Promise<CancelResult> {
  const bank = 'bench-cancel';
  const result: CancelResult = { samples: [], completedInstead: 0 };
  for (let run = 0; run < CANCEL_RUNS; run++) {
    const { operationId } = await submit(service.url, bank, makeDocuments(CANCEL_BATCH_DOCS, 100 + run));
    // Running with chunks in flight: at least one write batch has committed.
    const running = (op: any) => op.status === 'running' && op.progress > 0;
    await pollOperation(service.url, bank, operationId, running, 50);
    const started = performance.now();
    let op = (await http(service.url, 'DELETE', `${opsPath(bank)}/${operationId}`)).body;
    while (!TERMINAL.has(op.status)) {
      await sleep(20);
      op = (await http(service.url, 'GET', `${opsPath(bank)}/${operationId}`)).body;
    }
    if (op.status === 'cancelled') result.samples.push(performance.now() - started);
    else result.completedInstead++;
    await cancelOpenOperations(service.url, bank);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Orchestration

async function warmUpService(service: ServiceChild, tag: string): Promise<void> {
  const bank = `warm-${tag}`;
  const { operationId } = await submit(service.url, bank, makeDocuments(WARM_UP_DOCS, 3));
  await waitEnded(service.url, bank, operationId);
  await cancelOpenOperations(service.url, bank);
}

interface DirectStore {
  db: Database;
  cleanUp(): Promise<void>;
}

/** A fresh database on the engine's server for the direct pipeline, with the service's warm-up documents in it. */
async function openDirectStore(serverUrl: string, name: string): Promise<DirectStore> {
  const url = await freshPostgresDatabase(serverUrl, `bench_direct_${name}`);
  const db = openDatabase(url);
  const store = {
    db,
    cleanUp: async () => {
      await db.close();
      await dropPostgresDatabase(serverUrl, url);
    },
  };
  await migrate(store.db);
  const tag = name.replace(/_[ab]$/, '');
  await directRetain(
    store.db,
    extraction,
    `warm-${tag}`,
    makeDocuments(WARM_UP_DOCS, 3),
    defaults.chunkSize,
    defaults.chunkConcurrency,
  );
  return store;
}

interface BenchContext {
  temporalAddress: string;
  temporal: Client;
  devServerPid: number | undefined;
  /** The server the direct pipeline writes to: the same PostgreSQL build the engine's service uses. */
  directServerUrl: string;
  /** The system server, for the postgres engine's service databases. */
  systemServerUrl: string | undefined;
}

/** The whole service as an operator runs it, on the engine's store; `restart` starts it again on the same data. */
async function serviceFor(ctx: BenchContext, engine: Engine, tag: string, nodeArgs: string[] = []) {
  const databaseUrl =
    engine === 'postgres'
      ? await freshPostgresDatabase(ctx.systemServerUrl!, `bench_service_${tag}`)
      : undefined;
  const options = {
    temporalAddress: ctx.temporalAddress,
    dataDir: join(root, `service-${tag}`),
    port: await freePort(),
    postgresPort: await freePort(),
    taskQueue: `bench-${tag}`,
    databaseUrl,
    env: { HINDSIGHT_MAX_BODY_BYTES: MAX_BODY_BYTES },
    nodeArgs,
  };
  const cleanUp = async () => {
    if (databaseUrl) await dropPostgresDatabase(ctx.systemServerUrl!, databaseUrl);
  };
  const restart = async (running: ServiceChild) => {
    await running.stop();
    const started = performance.now();
    const service = await startService({ ...options, nodeArgs: [] });
    return { service, ms: performance.now() - started };
  };
  return { service: await startService(options), databaseUrl, cleanUp, restart };
}

async function benchEngine(ctx: BenchContext, engine: Engine, profileDir: string) {
  const results: EngineResults = { engine, runs: [], pollers: [], burst: undefined, large: undefined };
  let cancels: CancelResult | undefined;
  let profiled = false;
  for (const docs of SIZES[engine]) {
    const tag = `${engine === 'embedded' ? 'e' : 'p'}${docs}_${process.pid}`;
    const profiling = PROFILE && engine === 'embedded' && docs === 10_000;
    if (profiling) mkdirSync(profileDir, { recursive: true });
    log(`${engine} ${docs.toLocaleString('en')} documents: starting the service`);
    const { service, databaseUrl, cleanUp } = await serviceFor(
      ctx,
      engine,
      tag,
      profiling ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    );
    try {
      await warmUpService(service, tag);
      log(`${engine} ${docs.toLocaleString('en')} documents: batch retain, direct / service / direct`);
      const openDirect = (name: string) => openDirectStore(ctx.directServerUrl, name);
      const deadlocks = databaseUrl ? () => deadlockCount(databaseUrl) : undefined;
      const run = await retainRun(engine, service, ctx.devServerPid, openDirect, docs, tag, deadlocks);
      results.runs.push(run);
      log(
        `  service ${fmt.s(run.temporalMs)}, direct ${run.directMs.map(fmt.s).join(' / ')}, ` +
          `ratio ${fmt.ratio(run.temporalMs / mean(run.directMs))}`,
      );
    } finally {
      await service.stop();
      await cleanUp();
    }
    profiled ||= profiling;
  }

  const tag = `${engine === 'embedded' ? 'e' : 'p'}x_${process.pid}`;
  const { service, cleanUp, restart } = await serviceFor(ctx, engine, tag);
  let current = service;
  try {
    await warmUpService(current, tag);
    for (const clients of POLLERS) {
      log(
        `${engine}: ${POLL_BATCH_DOCS.toLocaleString('en')}-document batch with ${clients} clients polling`,
      );
      results.pollers.push(await throughputUnderPollers(current, clients, POLL_BATCH_DOCS, tag));
    }
    log(`${engine}: ${BURST.submits} concurrent submits of ${BURST.docsEach} documents`);
    results.burst = await submitBurst(current, BURST.submits, BURST.docsEach, tag);
    if (engine === 'embedded') {
      log(`cancel latency: ${CANCEL_RUNS} runs`);
      cancels = await cancelLatency(current);
    }
    log(`${engine}: a bank of ${LARGE_BANK_DOCS.toLocaleString('en')} documents, its follow-ups, a restart`);
    const large = await largeBank(current, ctx.temporal, LARGE_BANK_DOCS, tag, () => restart(current));
    current = large.service;
    results.large = large.run;
  } finally {
    await current.stop();
    await cleanUp();
  }
  return { results, cancels, profiled };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  log(
    `bench in ${root} (${QUICK ? 'quick' : LARGE ? 'large' : 'default'} sizes${PROFILE ? ', profiling the 10,000 run' : ''})`,
  );
  const devServer = await startTestDevServer({ dbFilename: join(root, 'temporal.sqlite') });
  const connection = await Connection.connect({ address: devServer.address });
  // The direct pipeline of the embedded engine writes to the same PostgreSQL build, started by the bench.
  const directEmbedded = await startEmbeddedPostgres({
    dataDir: join(root, 'direct-store'),
    port: await freePort(),
    logger,
  });
  // BENCH_STORES=embedded (or postgres) measures one store only.
  const only = process.env.BENCH_STORES?.split(',') as Engine[] | undefined;
  const systemServer = only && !only.includes('postgres') ? undefined : await benchPostgres();
  const ctxBase = {
    temporalAddress: devServer.address,
    temporal: new Client({ connection }),
    devServerPid: childPid('start-dev'),
    systemServerUrl: systemServer?.url,
  };
  const engines: Engine[] = (only ?? ['embedded', 'postgres']).filter(
    (e) => e === 'embedded' || systemServer,
  );
  const results: EngineResults[] = [];
  let cancels: CancelResult = { samples: [], completedInstead: 0 };
  let profileSummary: string | undefined;
  const profileDir = join(root, 'profile');
  const writeReport = () => {
    const loadAfter = loadAverage();
    const report = render({ results, cancels, profileSummary, startedAt, loadBefore, loadAfter });
    writeFileSync(join(REPO_ROOT, 'docs/BENCHMARKS.md'), report.document);
    log('wrote docs/BENCHMARKS.md');
    return report;
  };

  try {
    for (const engine of engines) {
      const directServerUrl =
        engine === 'embedded' ? directEmbedded.url.replace(/\/hindsight$/, '/postgres') : systemServer!.url;
      const done = await benchEngine({ ...ctxBase, directServerUrl }, engine, profileDir);
      results.push(done.results);
      if (done.cancels) cancels = done.cancels;
      if (done.profiled) profileSummary = summarizeProfiles(profileDir);
      // Written after each store, so a long run that is stopped keeps what it measured.
      writeReport();
    }
  } finally {
    await connection.close();
    await devServer.stop();
    await directEmbedded.stop();
    await systemServer?.stop?.();
    rmSync(root, { recursive: true, force: true });
  }

  console.log(`\n${writeReport().tables}`);
}

runBench(main);
