/**
 * `npm run bench [-- --large] [-- --profile] [-- --quick]`: batch retain through the real service (HTTP, Temporal, worker)
 * against the same pipeline called directly, read latency under load, cancel latency and resident memory,
 * each figure measured side by side in one run. Prints the tables and writes docs/BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { type Document, makeDocuments } from './corpus.js';
import { countMemories, directRetain } from './direct.js';
import {
  cpuSeconds,
  fmt,
  ownCpuSeconds,
  percentile,
  sleep,
  summarize,
  table,
  timed,
  treeCpuSeconds,
} from './measure.js';
import { summarizeProfiles } from './profile.js';
import { childPid, http, type ServiceChild, startService } from './service.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const flag = (name: string) =>
  process.argv.includes(`--${name}`) || process.env[`BENCH_${name.toUpperCase()}`] === '1';
const LARGE = flag('large');
const PROFILE = flag('profile');
/** A smoke test of the bench itself: small sizes, short windows; its figures mean little. */
const QUICK = flag('quick');
const COMMAND = ['npm run bench', ...['large', 'profile', 'quick'].filter(flag).map((f) => `--${f}`)]
  .join(' ')
  .replace('bench --', 'bench -- --');

const SIZES = {
  pglite: QUICK ? [200, 1_000] : LARGE ? [1_000, 10_000, 100_000] : [1_000, 10_000],
  postgres: QUICK ? [200] : LARGE ? [1_000, 10_000] : [1_000],
};
const WARM_UP_DOCS = QUICK ? 50 : 200;
const CLIENTS = 50;
const LOAD_WINDOW_MS = QUICK ? 3_000 : 10_000;
const LOAD_BATCH_DOCS = 8_000;
const CANCEL_RUNS = QUICK ? 3 : 10;
const CANCEL_BATCH_DOCS = 2_000;
// Bodies of 100,000 documents are over the default 64 MB request limit.
const MAX_BODY_BYTES = String(256 * 1024 * 1024);

const defaults = loadConfig({});
const logger = createLogger('warn');
const root = mkdtempSync(join(tmpdir(), 'hindsight-bench-'));
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type Engine = 'pglite' | 'postgres';

interface RetainRun {
  engine: Engine;
  docs: number;
  submitMs: number;
  startedMs: number;
  temporalMs: number;
  /** One direct run before the service run and, up to 10,000 documents, one after: they bracket it. */
  directMs: number[];
  memories: { temporal: number; direct: number };
  /** CPU seconds; `direct` is the mean over the direct runs. */
  cpu: { service: number; devServer: number; direct: number };
  rss: { idle: number; submitPeak: number; runPeak: number; end: number };
  followUpsCancelled: number;
  /** PostgreSQL only: deadlocks the server reported in the service's database, and retried in the direct runs. */
  deadlocks: { service: number; direct: number } | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Stores

interface PostgresServer {
  url: string;
  stop?: () => void;
}

function postgresServer(): PostgresServer | undefined {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { url: given };
  // Directly under /tmp: the server may run as another user, who cannot enter a private temp directory.
  const dir = `/tmp/hindsight-bench-pg-${process.pid}`;
  try {
    const port = String(55_500 + (process.pid % 400));
    const url = execFileSync(join(REPO_ROOT, 'scripts/start-postgres.sh'), [dir, port], {
      encoding: 'utf8',
    }).trim();
    return {
      url,
      stop: () => {
        execFileSync(join(REPO_ROOT, 'scripts/stop-postgres.sh'), [dir], { stdio: 'ignore' });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    log(`no PostgreSQL server (${(error as Error).message.split('\n')[0]}): PostgreSQL rows skipped`);
    return undefined;
  }
}

/** A fresh, empty database on the server (or, when that is not allowed, the given database as it is). */
async function freshPostgresDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  } catch (error) {
    log(`could not create database ${name} (${(error as Error).message}); using ${serverUrl} as it is`);
    return serverUrl;
  } finally {
    await admin.end();
  }
}

/** Deadlocks PostgreSQL has detected in the database so far (its statistics may lag by about a second). */
async function deadlockCount(url: string): Promise<number> {
  await sleep(1_500);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

async function dropPostgresDatabase(serverUrl: string, url: string): Promise<void> {
  if (url === serverUrl) return;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`)
    .catch(() => undefined);
  await admin.end();
}

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
        directRetain(store.db, bank, items, defaults.chunkSize, defaults.chunkConcurrency),
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

type ReadKind = 'get' | 'list' | 'health';

interface LoadResult {
  /** Latency of every answer, whatever its status: a slow 503 is as slow as a slow 200. */
  kinds: Record<ReadKind, number[]>;
  /** Answers other than 200 (health answers 503 when a probe misses its 2 s deadline), and failed requests. */
  notOk: Record<ReadKind, number>;
  /** From the first request to the last answer: a request started near the end of the window may run long. */
  windowMs: number;
  /** How many GET operation answers saw the batch in each status. */
  statusesSeen: Record<string, number>;
}

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

interface CancelResult {
  /** Milliseconds from sending DELETE until the operation read `cancelled`. */
  samples: number[];
  /** Runs where the batch completed before the cancel took effect. */
  completedInstead: number;
}

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
async function openDirectStore(engine: Engine, name: string, pgServer: PostgresServer | undefined) {
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
  const pgServer = postgresServer();
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
    pgServer?.stop?.();
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

// ---------------------------------------------------------------------------------------------------------
// Report

function machine(): [string, string][] {
  return [
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['cores (`nproc`)', execFileSync('nproc', { encoding: 'utf8' }).trim()],
    ['memory', `${Math.round(totalmem() / 1024 ** 3)} GB`],
    ['Node.js', process.version],
    ['Temporal', 'dev server (`temporal server start-dev`, SQLite file, WAL) started by the bench'],
  ];
}

function render(r: {
  runs: RetainRun[];
  load: LoadResult | undefined;
  cancels: CancelResult;
  profileSummary: string | undefined;
  startedAt: Date;
  loadBefore: string;
  loadAfter: string;
}) {
  const retainTable = table(
    [
      'store',
      'docs',
      'service (HTTP→completed)',
      'direct (before / after)',
      'ratio',
      'submit (202)',
      'to running',
      'docs/s service',
      'docs/s direct',
      'memories',
    ],
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      fmt.ms(run.temporalMs),
      run.directMs.map(fmt.ms).join(' / '),
      fmt.ratio(run.temporalMs / mean(run.directMs)),
      fmt.ms(run.submitMs),
      fmt.ms(run.startedMs),
      fmt.rate(run.docs / (run.temporalMs / 1000)),
      fmt.rate(run.docs / (mean(run.directMs) / 1000)),
      run.memories.temporal === run.memories.direct
        ? run.memories.temporal.toLocaleString('en')
        : `${run.memories.temporal} ≠ ${run.memories.direct}`,
    ]),
  );
  const deadlockNotes = r.runs
    .filter((run) => run.deadlocks && run.deadlocks.service + run.deadlocks.direct > 0)
    .map(
      (run) =>
        `- PostgreSQL, ${run.docs.toLocaleString('en')} docs: ${run.deadlocks!.service} deadlocks in the service's ` +
        `database (each fails a chunk activity, retried after at least 1 s), ${run.deadlocks!.direct} in the ` +
        'direct runs (the transaction retried at once): concurrent chunks insert shared entities in different orders.',
    );
  const cpuTable = table(
    ['store', 'docs', 'CPU service process', 'CPU Temporal server', 'CPU direct', 'service ÷ direct'],
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      `${run.cpu.service.toFixed(1)} s`,
      Number.isNaN(run.cpu.devServer) ? '–' : `${run.cpu.devServer.toFixed(1)} s`,
      `${run.cpu.direct.toFixed(1)} s`,
      fmt.ratio(run.cpu.service / run.cpu.direct),
    ]),
  );
  const rssTable = table(
    ['store', 'docs', 'idle before submit', 'peak during submit', 'peak while running', 'at completion'],
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      fmt.mb(run.rss.idle),
      fmt.mb(run.rss.submitPeak),
      fmt.mb(run.rss.runPeak),
      fmt.mb(run.rss.end),
    ]),
  );
  const health = r.load ? percentile(r.load.kinds.health, 99) : Number.NaN;
  const loadTable = r.load
    ? table(
        ['request', 'n', 'not 200', 'p50', 'p99', 'max', 'p99 ÷ health p99'],
        (['get', 'list', 'health'] as const).map((kind) => {
          const s = summarize(r.load!.kinds[kind]);
          const label = {
            get: 'GET operation (running)',
            list: 'GET operations (list)',
            health: 'GET /health',
          }[kind];
          return [
            label,
            String(s.n),
            String(r.load!.notOk[kind]),
            fmt.ms(s.p50),
            fmt.ms(s.p99),
            fmt.ms(s.max),
            fmt.ratio(s.p99 / health),
          ];
        }),
      )
    : '(not measured)';
  const cancel = summarize(r.cancels.samples);
  const cancelTable = table(
    ['runs', 'cancelled', 'completed before the cancel took effect', 'p50', 'p99', 'max'],
    [
      [
        String(cancel.n + r.cancels.completedInstead),
        String(cancel.n),
        String(r.cancels.completedInstead),
        fmt.ms(cancel.p50),
        fmt.ms(cancel.p99),
        fmt.ms(cancel.max),
      ],
    ],
  );

  const pglite = r.runs.filter((run) => run.engine === 'pglite');
  const at10k = pglite.find((run) => run.docs === 10_000);
  const overhead = at10k ? at10k.temporalMs / mean(at10k.directMs) : Number.NaN;
  const readRatio = r.load
    ? Math.max(percentile(r.load.kinds.get, 99), percentile(r.load.kinds.list, 99)) / health
    : Number.NaN;
  const smallest = pglite[0];
  const largest = pglite[pglite.length - 1];
  const rssGrowth = smallest && largest ? largest.rss.runPeak / smallest.rss.runPeak : Number.NaN;
  const cpuOverhead = at10k
    ? (at10k.cpu.service + (at10k.cpu.devServer || 0)) / at10k.cpu.direct
    : Number.NaN;
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const targets = table(
    ['target', 'measured', ''],
    [
      ['orchestration overhead at 10,000 docs (PGlite) ≤ 1.2', fmt.ratio(overhead), verdict(overhead <= 1.2)],
      [
        'the same in CPU seconds: (service + Temporal server) ÷ direct',
        fmt.ratio(cpuOverhead),
        verdict(cpuOverhead <= 1.2),
      ],
      ['GET/list p99 ≤ 3 × health p99 under 50 clients', fmt.ratio(readRatio), verdict(readRatio <= 3)],
      [
        'cancel → `cancelled` p99 < 1 s',
        fmt.ms(cancel.p99),
        verdict(cancel.p99 < 1000 && r.cancels.completedInstead === 0),
      ],
      [
        `RSS flat: peak while running, ${largest?.docs.toLocaleString('en')} ÷ ${smallest?.docs.toLocaleString('en')} docs`,
        fmt.ratio(rssGrowth),
        verdict(rssGrowth <= 1.5),
      ],
    ],
  );

  const tables = [
    '## Batch retain: service (HTTP + Temporal) against the same pipeline called directly',
    retainTable,
    deadlockNotes.length ? `\n${deadlockNotes.join('\n')}` : '',
    '',
    '## CPU seconds spent on each batch retain',
    cpuTable,
    '',
    '## Resident memory of the service process',
    rssTable,
    '',
    `## Read latency: ${CLIENTS} concurrent clients on loopback while a batch runs${
      r.load
        ? ` (GET saw it ${Object.entries(r.load.statusesSeen)
            .map(([status, n]) => `${status} ×${n}`)
            .join(', ')})`
        : ''
    }`,
    loadTable,
    r.load
      ? `\nRequests sent for ${LOAD_WINDOW_MS / 1000} s; the last answer came ${fmt.s(r.load.windowMs)} after the first request.`
      : '',
    '',
    '## Cancel request on a running batch until it reads `cancelled`',
    cancelTable,
    '',
    '## Targets',
    targets,
  ].join('\n');

  const document = `# Benchmarks

Generated by \`${COMMAND}\` on ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Every ratio below
compares two figures measured one after the other in the same run, so the machine's load affects both.
Load average (1, 5, 15 min) at the start: ${r.loadBefore}; at the end: ${r.loadAfter}.

| machine | |
| --- | --- |
${machine()
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join('\n')}

${tables}
${r.profileSummary ? `\n## CPU profile of the service process (10,000 documents, PGlite)\n\n${r.profileSummary}\n` : ''}
## Method

- **Documents**: \`bench/corpus.ts\` builds about 1 KB of English per document from templates naming people,
  places, organisations and dates, with a seeded generator: the same documents on every run.
- **Service**: \`node --import tsx src/main.ts all\` (API and worker in one process, default chunk size
  ${defaults.chunkSize} and window ${defaults.chunkConcurrency}) in a child process, against a Temporal dev server
  the bench starts, with a fresh store per size (a new PGlite directory, or a new PostgreSQL database), log level
  \`warn\`. \`HINDSIGHT_MAX_BODY_BYTES\` is raised to 256 MB so 100,000 documents fit in one request.
- **Service time**: from sending \`POST /memories\` with \`"async": true\` to the operation's \`completed_at\`
  (written by the store; the bench reads the list every 500 ms to see it — the list asks the workflow nothing,
  unlike \`GET\` of a running operation, so watching adds no load). \`submit (202)\` is the part spent
  before the answer: body parse, validation and staging the documents; \`to running\` is until \`started_at\`
  (workflow start, bank queue, \`markRunning\`).
- **Direct**: \`bench/direct.ts\`, in the bench process against its own fresh store of the same engine: the
  same store calls in the same sizes and order — the operation row and documents in one transaction, then the
  documents in chunks of ${defaults.chunkSize} through a window of ${defaults.chunkConcurrency}, each chunk in
  write batches of 25 (\`prepareItems\`, \`writeMemories\`, \`markProcessed\` in one transaction), then the final
  bookkeeping (result, documents dropped) — with no HTTP, Temporal or heartbeats. It runs once before the
  service run and, up to 10,000 documents, once after, each time in a fresh store; **ratio** is the service time
  over the mean of the direct runs, so a change in the machine's load during the run shows as a gap between the
  two direct figures rather than as a skewed ratio.
- **Warm-up**: the service and every direct store first retain the same ${WARM_UP_DOCS} documents (same JIT
  warmth, same store contents).
- **Follow-ups**: a completed retain queues \`graph_update\` and \`regenerate_observations\`; the bench cancels
  them (\`DELETE\`) as soon as the retain reads \`completed\`, before the next direct run, so they take no CPU
  from the next measurement (${r.runs.reduce((n, run) => n + run.followUpsCancelled, 0)} cancelled in this run).
  They are not part of any figure here.
- **CPU**: user + system seconds from \`/proc/<pid>/stat\` for the service process and the Temporal server over the
  service run, and \`process.cpuUsage()\` of the bench process over a direct run. A PostgreSQL server's own
  CPU is in neither.
- **Read latency**: a batch of ${LOAD_BATCH_DOCS.toLocaleString('en')} documents is started; once it runs,
  ${CLIENTS} clients send requests back to back for ${LOAD_WINDOW_MS / 1000} s, each cycling through \`GET\` of the
  running operation (which also asks the workflow's progress query, capped at 500 ms), the list (\`limit=20\`)
  and \`GET /health\` (which itself runs \`SELECT 1\` and asks Temporal for system info). Then the batch is cancelled.
- **Cancel**: ${CANCEL_RUNS} batches of ${CANCEL_BATCH_DOCS} documents; once one is running with progress above 0, the
  time from sending \`DELETE\` until the operation reads \`cancelled\` (the \`DELETE\` answer itself, which waits up
  to 3 s for the end, or else the next \`GET\`).
- **Memory**: the service process's \`VmRSS\` every 250 ms; \`idle\` is just before the submit, the submit peak
  includes the request body being parsed, the running peak is from the 202 to \`completed\`.
- PostgreSQL rows run when \`BENCH_DATABASE_URL\` or \`DATABASE_URL\` is set, or when
  \`scripts/start-postgres.sh\` can start a local server. \`--large\` (or \`BENCH_LARGE=1\`) adds 100,000 documents
  on PGlite and 10,000 on PostgreSQL; \`--profile\` runs the 10,000-document service under \`--cpu-prof\` (slower).
`;
  return { tables, document };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
