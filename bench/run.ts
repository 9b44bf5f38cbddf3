/**
 * `npm run bench [-- --large] [-- --profile] [-- --quick]`: batch retain through the real service (HTTP, Temporal, worker)
 * against the same pipeline called directly, read latency under load, cancel latency and resident memory,
 * each figure measured side by side in one run. Prints the tables and writes docs/BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logger.js';
import { ExtractionPool } from '../src/retain/extraction-pool.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { type Document, makeDocuments } from './corpus.js';
import { countMemories, directRetain } from './direct.js';
import { cpuSeconds, fmt, ownCpuSeconds, sleep, timed, treeCpuSeconds } from './measure.js';
import {
  type BenchPostgres,
  benchPostgres,
  deadlockCount,
  dropPostgresDatabase,
  freshPostgresDatabase,
} from './postgres.js';
import { summarizeProfiles } from './profile.js';
import { render } from './report.js';
import type { CancelResult, Engine, LoadResult, RetainRun } from './results.js';
import { childPid, http, type ServiceChild, startService } from './service.js';
import {
  CANCEL_BATCH_DOCS,
  CANCEL_RUNS,
  CLIENTS,
  defaults,
  LARGE,
  LOAD_BATCH_DOCS,
  LOAD_WINDOW_MS,
  log,
  MAX_BODY_BYTES,
  mean,
  PROFILE,
  QUICK,
  REPO_ROOT,
  SIZES,
  WARM_UP_DOCS,
} from './settings.js';

const logger = createLogger('warn');
const root = mkdtempSync(join(tmpdir(), 'hindsight-bench-'));
/** The direct pipeline's extraction threads: as many as the service's. */
const extraction = new ExtractionPool(defaults.extractionThreads);
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---------------------------------------------------------------------------------------------------------
// Service-side helpers

const opsPath = (bank: string) => `/v1/default/banks/${bank}/operations`;

/** With its own operation id, so a resend (see `http`) attaches to the same operation. */
async function submit(base: string, bank: string, items: Document[]) {
  const operation_id = `op-bench-${randomUUID()}`;
  const reply = await http(base, 'POST', `/v1/default/banks/${bank}/memories`, {
    async: true,
    operation_id,
    items,
  });
  if (reply.status !== 202) throw new Error(`submit answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { operationId: reply.body.operation_id as string, ms: reply.ms };
}

/** Polls GET operation (as a watching client would) until `until` holds. */
async function pollOperation(
  base: string,
  bank: string,
  id: string,
  until: (op: any) => boolean,
  everyMs = 250,
) {
  for (;;) {
    const reply = await http(base, 'GET', `${opsPath(bank)}/${id}`);
    if (reply.status !== 200)
      throw new Error(`GET operation answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    if (until(reply.body)) return reply.body;
    if (TERMINAL.has(reply.body.status))
      throw new Error(`operation ${id} ended ${reply.body.status}: ${reply.body.error}`);
    await sleep(everyMs);
  }
}

/**
 * Waits for a batch retain to complete by reading the list, which comes from the store alone: unlike GET of a
 * running operation it asks the workflow nothing, so watching costs the measured run next to nothing.
 */
async function waitCompleted(base: string, bank: string, id: string) {
  for (;;) {
    const reply = await http(base, 'GET', `${opsPath(bank)}?type=batch_retain&limit=100`);
    if (reply.status !== 200) throw new Error(`list answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const op = (reply.body.operations as any[]).find((o) => o.operation_id === id);
    if (op?.status === 'completed') return op;
    if (op && TERMINAL.has(op.status)) throw new Error(`operation ${id} ended ${op.status}: ${op.error}`);
    await sleep(500);
  }
}

/**
 * Cancels whatever still runs or waits in the bank: the graph_update and regenerate_observations follow-ups a
 * completed retain queues, so their CPU does not spill into the next measurement. Returns how many it cancelled.
 */
async function cancelOpenOperations(base: string, bank: string): Promise<number> {
  let cancelled = 0;
  for (;;) {
    const { body } = await http(base, 'GET', `${opsPath(bank)}?limit=100`);
    const open = (body.operations as any[]).filter((op) => !TERMINAL.has(op.status));
    if (open.length === 0) return cancelled;
    for (const op of open) {
      const reply = await http(base, 'DELETE', `${opsPath(bank)}/${op.operation_id}`);
      if (reply.status === 200 || reply.status === 202) cancelled++;
    }
    await sleep(200);
  }
}

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
  const cpuBefore = {
    service: cpuSeconds(service.pid),
    devServer: devServerPid ? treeCpuSeconds(devServerPid) : NaN,
  };
  const t0 = Date.now();
  const { operationId, ms: submitMs } = await submit(service.url, bank, items);
  const acceptedAt = service.rss.mark();
  const done = await waitCompleted(service.url, bank, operationId);
  const temporalMs = Date.parse(done.completed_at) - t0;
  const startedMs = Date.parse(done.started_at) - t0;
  const endAt = service.rss.mark();
  const serviceCpu = cpuSeconds(service.pid) - cpuBefore.service;
  const devServerCpu = devServerPid ? treeCpuSeconds(devServerPid) - cpuBefore.devServer : NaN;
  const submitRss = service.rss.between(idleAt, acceptedAt);
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
// 2: GET operation, list and health under 50 concurrent clients while a batch runs

async function readLatencyUnderLoad(service: ServiceChild): Promise<LoadResult> {
  const bank = 'bench-load';
  const { operationId } = await submit(service.url, bank, makeDocuments(LOAD_BATCH_DOCS, 2));
  await pollOperation(service.url, bank, operationId, (op) => op.status === 'running', 100);
  const paths = {
    get: `${opsPath(bank)}/${operationId}`,
    list: `${opsPath(bank)}?limit=20`,
    health: '/health',
  } as const;
  const order = ['get', 'list', 'health'] as const;
  const result: LoadResult = {
    kinds: { get: [], list: [], health: [] },
    notOk: { get: 0, list: 0, health: 0 },
    windowMs: 0,
    statusesSeen: {},
  };
  const from = Date.now();
  const until = from + LOAD_WINDOW_MS;
  // Each client cycles through the three kinds from its own starting point, so at any moment all three
  // are in flight in equal numbers and share the same conditions.
  const client = async (index: number) => {
    for (let i = index; Date.now() < until; i++) {
      const kind = order[i % order.length]!;
      const reply = await http(service.url, 'GET', paths[kind]).catch(() => undefined);
      if (!reply) {
        result.notOk[kind]++;
        continue;
      }
      result.kinds[kind].push(reply.ms);
      if (reply.status !== 200) result.notOk[kind]++;
      else if (kind === 'get') {
        result.statusesSeen[reply.body.status] = (result.statusesSeen[reply.body.status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  result.windowMs = Date.now() - from;
  await http(service.url, 'DELETE', paths.get);
  await cancelOpenOperations(service.url, bank);
  return result;
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
  await waitCompleted(service.url, bank, operationId);
  await cancelOpenOperations(service.url, bank);
}

interface DirectStore {
  db: Database;
  cleanUp(): Promise<void>;
}

/** A fresh store of the engine for the direct pipeline, with the service's warm-up documents in it. */
async function openDirectStore(engine: Engine, name: string, pgServer: BenchPostgres | undefined) {
  let store: DirectStore;
  if (engine === 'pglite') {
    const dir = join(root, `direct-${name}`);
    const db = await openDatabase({ dataDir: dir });
    store = {
      db,
      cleanUp: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } else {
    const url = await freshPostgresDatabase(pgServer!.url, `bench_direct_${name}`);
    const db = await openDatabase({ url });
    store = {
      db,
      cleanUp: async () => {
        await db.close();
        await dropPostgresDatabase(pgServer!.url, url);
      },
    };
  }
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

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  log(
    `bench in ${root} (${QUICK ? 'quick' : LARGE ? 'large' : 'default'} sizes${PROFILE ? ', profiling the 10,000 run' : ''})`,
  );
  const devServer = await startDevServer({
    dbFilename: join(root, 'temporal.sqlite'),
    port: await freePort(),
    uiPort: undefined,
    namespace: 'default',
    cliPath: process.env.TEMPORAL_CLI_PATH,
    logger,
  });
  const devServerPid = childPid('start-dev');
  const pgServer = await benchPostgres();
  const engines: Engine[] = pgServer ? ['pglite', 'postgres'] : ['pglite'];
  const runs: RetainRun[] = [];
  let load: LoadResult | undefined;
  let cancels: CancelResult = { samples: [], completedInstead: 0 };
  let profileSummary: string | undefined;
  const profileDir = join(root, 'profile');

  try {
    for (const engine of engines) {
      for (const docs of SIZES[engine]) {
        const tag = `${engine === 'pglite' ? 'l' : 'p'}${docs}_${process.pid}`;
        const profiled = PROFILE && engine === 'pglite' && docs === 10_000;
        const serviceDb =
          engine === 'postgres'
            ? await freshPostgresDatabase(pgServer!.url, `bench_service_${tag}`)
            : undefined;
        log(`${engine} ${docs.toLocaleString('en')} documents: starting the service`);
        if (profiled) mkdirSync(profileDir, { recursive: true });
        const service = await startService({
          temporalAddress: devServer.address,
          dataDir: join(root, `service-${tag}`),
          port: await freePort(),
          taskQueue: `bench-${tag}`,
          databaseUrl: serviceDb,
          env: { HINDSIGHT_MAX_BODY_BYTES: MAX_BODY_BYTES },
          nodeArgs: profiled ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
        });
        try {
          await warmUpService(service, tag);
          log(`${engine} ${docs.toLocaleString('en')} documents: batch retain, direct / service / direct`);
          const openDirect = (name: string) => openDirectStore(engine, name, pgServer);
          const deadlocks = serviceDb ? () => deadlockCount(serviceDb) : undefined;
          const run = await retainRun(engine, service, devServerPid, openDirect, docs, tag, deadlocks);
          runs.push(run);
          log(
            `  service ${fmt.s(run.temporalMs)}, direct ${run.directMs.map(fmt.s).join(' / ')}, ` +
              `ratio ${fmt.ratio(run.temporalMs / mean(run.directMs))}`,
          );
          if (engine === 'pglite' && docs === SIZES.pglite[0]) {
            log(`read latency: ${CLIENTS} clients for ${LOAD_WINDOW_MS / 1000} s while a batch runs`);
            load = await readLatencyUnderLoad(service);
            log(`cancel latency: ${CANCEL_RUNS} runs`);
            cancels = await cancelLatency(service);
          }
        } finally {
          await service.stop();
          if (serviceDb) await dropPostgresDatabase(pgServer!.url, serviceDb);
        }
        if (profiled) profileSummary = summarizeProfiles(profileDir);
      }
    }
  } finally {
    await devServer.stop();
    await pgServer?.stop?.();
    rmSync(root, { recursive: true, force: true });
  }

  const report = render({
    runs,
    load,
    cancels,
    profileSummary,
    startedAt,
    loadBefore,
    loadAfter: loadAverage(),
  });
  console.log(`\n${report.tables}`);
  writeFileSync(join(REPO_ROOT, 'docs/BENCHMARKS.md'), report.document);
  log('wrote docs/BENCHMARKS.md');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
