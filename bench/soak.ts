/**
 * `npm run soak [-- --minutes 30]`: the service as a user starts it (`src/main.ts all` on the embedded
 * defaults: its own Temporal dev server and PostgreSQL), under a steady mix of clients for the given minutes.
 * Samples every process's memory, the API's heap and event-loop lag, workflow-task latency and Temporal's
 * "Workflow task not found" warnings once a minute; writes docs/SOAK.md and docs/soak.svg; stops all it started.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { loadAverage, runBench, scratchDir } from './lifecycle.js';
import { percentile, rssMb, sleep, treePssMb } from './measure.js';
import { http, type ServiceChild, startService } from './service.js';
import { log, REPO_ROOT } from './settings.js';
import {
  burst,
  canceller,
  coldSubmitter,
  HOT_BANK,
  hotSubmitter,
  type Load,
  maintainer,
  poller,
  Stats,
  sseReader,
  syncRetainer,
  webhookReceiver,
} from './soak-load.js';
import { type Minute, renderSoak, type SoakRun } from './soak-report.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const MINUTES = arg('minutes', 30);
const HOT_CLIENTS = arg('hot', 16);
const COLD_BANKS = 20;
const COLD_CLIENTS = 4;
const POLLERS = arg('pollers', 20);
const SSE_READERS = 4;
const SYNC_CLIENTS = 2;
const CANCEL_DOCS = 2_000;
const BURST_SUBMITS = 200;
const BURST_EVERY_MINUTES = 5;
const NOT_FOUND = 'Workflow task not found';
const CORRUPTED = 'async hook stack has become corrupted';

/** One value of a Prometheus text exposition (first series of that name). */
const metric = (text: string, name: string) => {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
};

/** The sum of every series of a metric (over label sets). */
function total(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm')))
    sum += Number(m[1]);
  return sum;
}

/**
 * Cumulative buckets of a histogram whose name starts with `prefix` (summed over label sets), with its sum
 * and count as bounds `-1` and `-2`. The SDK's latencies are in milliseconds, its largest bound 1 s.
 */
function buckets(text: string, prefix: string): Map<number, number> {
  const out = new Map<number, number>([
    [-1, total(text, `${prefix}_sum`)],
    [-2, total(text, `${prefix}_count`)],
  ]);
  const re = new RegExp(`^${prefix}\\w*_bucket\\{([^}]*)\\} ([0-9.eE+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The mean of what a histogram gained between two scrapes. */
const meanBetween = (before: Map<number, number>, after: Map<number, number>) =>
  ((after.get(-1) ?? 0) - (before.get(-1) ?? 0)) / ((after.get(-2) ?? 0) - (before.get(-2) ?? 0));

/** The p99 bound of what a histogram gained between two scrapes. */
function p99Between(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].filter((b) => b >= 0).sort((a, b) => a - b);
  const delta = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = delta.at(-1) ?? 0;
  if (total <= 0) return Number.NaN;
  const i = delta.findIndex((d) => d >= total * 0.99);
  // Past the largest bound: that bound, which the p99 is at least.
  return Number.isFinite(bounds[i]) ? bounds[i]! : (bounds.at(-2) ?? Number.NaN);
}

/** The pid of a child of `pid` whose command line contains `needle` (the service's Temporal dev server). */
function childOf(pid: number, needle: string): number | undefined {
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (child && readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(needle)) return Number(child);
    }
  } catch {
    // gone meanwhile
  }
  return undefined;
}

async function main(): Promise<void> {
  const root = scratchDir('soak');
  const ports = {
    api: await freePort(),
    temporal: await freePort(),
    ui: await freePort(),
    postgres: await freePort(),
    metrics: await freePort(),
  };
  const hooks = await webhookReceiver();
  const start = () =>
    startService({
      dataDir: join(root, 'data'),
      port: ports.api,
      taskQueue: 'hindsight',
      postgresPort: ports.postgres,
      watchFor: [NOT_FOUND, CORRUPTED],
      env: {
        TEMPORAL_PORT: String(ports.temporal),
        TEMPORAL_UI_PORT: String(ports.ui),
        HINDSIGHT_WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
        HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: 'true',
      },
    });
  log(`starting the service (data in ${root}); load average ${loadAverage()}`);
  let service: ServiceChild = await start();
  const crashes: SoakRun['crashes'] = [];
  let notFoundBefore = 0; // warnings of processes that have crashed
  const workerMetrics = () =>
    fetch(`http://127.0.0.1:${ports.metrics}/metrics`).then(
      (r) => r.text(),
      () => '',
    );

  // Idle: right after start-up, before any load.
  await sleep(10_000);
  const idleRssMb = rssMb(service.pid);
  log(`idle service RSS ${Math.round(idleRssMb)} MB`);

  const hook = await http(service.url, 'POST', `/v1/default/banks/${HOT_BANK}/webhooks`, {
    url: hooks.url,
    events: ['operation.completed', 'operation.failed', 'operation.cancelled'],
  });
  if (hook.status !== 201)
    throw new Error(`webhook not registered: ${hook.status} ${JSON.stringify(hook.body)}`);

  const stats = new Stats();
  const startedAt = Date.now();
  const load: Load = { base: () => service.url, until: startedAt + MINUTES * 60_000, stats, recent: [] };
  const clients = [
    ...Array.from({ length: HOT_CLIENTS }, (_, i) => hotSubmitter(load, i)),
    ...Array.from({ length: COLD_CLIENTS }, (_, i) => coldSubmitter(load, i, COLD_BANKS)),
    ...Array.from({ length: POLLERS }, (_, i) => poller(load, i)),
    ...Array.from({ length: SSE_READERS }, () => sseReader(load)),
    ...Array.from({ length: SYNC_CLIENTS }, (_, i) => syncRetainer(load, i, COLD_BANKS)),
    maintainer(load, COLD_BANKS),
    canceller(load, CANCEL_DOCS, 20_000),
  ];
  log(
    `load for ${MINUTES} min: ${HOT_CLIENTS} hot submitters, ${COLD_CLIENTS} cold over ${COLD_BANKS} banks, ` +
      `${POLLERS} pollers, ${SSE_READERS} SSE readers, ${SYNC_CLIENTS} sync retainers, maintenance, cancels`,
  );

  const minutes: Minute[] = [];
  const bursts: number[] = [];
  let wftBefore = buckets(await workerMetrics(), 'temporal_workflow_task_execution_latency');
  let supervising = true;
  // A crashed service is started again on the same data (durable work resumes); the crash is what counts.
  const supervisor = (async () => {
    while (supervising) {
      const ended = service.exit();
      if (ended) {
        notFoundBefore += service.said(NOT_FOUND);
        crashes.push({ at: Date.now() - startedAt, ...ended, output: ended.output.slice(-3_000) });
        log(`the service exited (${ended.code ?? ended.signal}); starting it again`);
        service = await start();
      }
      await sleep(1_000);
    }
  })();

  for (let m = 1; m <= MINUTES; m++) {
    if (m % BURST_EVERY_MINUTES === 2) {
      const times = await burst(load, BURST_SUBMITS, `m${m}`);
      bursts.push(...times);
      log(`burst of ${BURST_SUBMITS} submits: p99 ${Math.round(percentile(times, 99))} ms`);
    }
    await sleep(Math.max(0, startedAt + m * 60_000 - Date.now()));
    const window = stats.drain();
    const api = await fetch(`${service.url}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    const wftAfter = buckets(await workerMetrics(), 'temporal_workflow_task_execution_latency');
    const wftP99 = p99Between(wftBefore, wftAfter);
    const wftMean = meanBetween(wftBefore, wftAfter);
    wftBefore = wftAfter;
    const temporalPid = childOf(service.pid, 'temporal');
    const postgresPid = service.postgresPid();
    const reads = [...(window.get('read operation') ?? []), ...(window.get('read list') ?? [])];
    const minute: Minute = {
      minute: m,
      serviceRssMb: rssMb(service.pid),
      heapUsedMb: metric(api, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      eventLoopLagP99Ms: metric(api, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      temporalRssMb: temporalPid ? treePssMb(temporalPid) : Number.NaN,
      postgresPssMb: postgresPid ? treePssMb(postgresPid) : Number.NaN,
      workflowTaskP99Ms: wftP99,
      workflowTaskMeanMs: wftMean,
      notFound: notFoundBefore + service.said(NOT_FOUND),
      crashes: crashes.length,
      hotSubmitP99Ms: percentile(window.get('submit hot') ?? [], 99),
      readP99Ms: percentile(reads, 99),
      hotSubmits: stats.all.get('submit hot')?.length ?? 0,
      requests: [...window.values()].reduce((n, v) => n + v.length, 0),
      loadAverage: loadAverage(),
    };
    minutes.push(minute);
    log(
      `minute ${m}: RSS ${Math.round(minute.serviceRssMb)} MB, heap ${Math.round(minute.heapUsedMb)} MB, ` +
        `lag p99 ${Math.round(minute.eventLoopLagP99Ms)} ms, workflow task mean ${Math.round(minute.workflowTaskMeanMs)} ms, ` +
        `not found ${minute.notFound}, crashes ${minute.crashes}, reads p99 ${Math.round(minute.readP99Ms)} ms, ` +
        `${minute.requests} requests; load ${minute.loadAverage}`,
    );
  }

  log('stopping the clients');
  await Promise.all(clients);
  supervising = false;
  await supervisor;
  const hotOperations = await http(service.url, 'GET', `/v1/default/banks/${HOT_BANK}/operations?limit=1`);
  const deliveries = hooks.received();
  const run: SoakRun = {
    minutes: MINUTES,
    startedAt: new Date(startedAt).toISOString(),
    clients: { hot: HOT_CLIENTS, coldClients: COLD_CLIENTS, coldBanks: COLD_BANKS, pollers: POLLERS },
    idleRssMb,
    samples: minutes,
    crashes,
    hotBankOperations: hotOperations.body?.total ?? Number.NaN,
    burstMs: bursts,
    cancelMs: stats.all.get('cancel to cancelled') ?? [],
    webhookDeliveries: deliveries,
    totals: stats.totals(),
    errors: Object.fromEntries(stats.errors),
    loadAverageEnd: loadAverage(),
  };
  await service.stop();
  hooks.close();
  rmSync(root, { recursive: true, force: true });
  const { markdown, svg } = renderSoak(run);
  writeFileSync(join(REPO_ROOT, 'docs', 'SOAK.md'), markdown);
  writeFileSync(join(REPO_ROOT, 'docs', 'soak.svg'), svg);
  console.log(markdown);
  log('wrote docs/SOAK.md and docs/soak.svg');
}

runBench(main);
