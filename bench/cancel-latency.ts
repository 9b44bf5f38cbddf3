/**
 * Cancel latency and resident memory of the whole service, started as an operator starts it.
 *
 *   node --import tsx bench/cancel-latency.ts
 *
 * CANCELS (5) times: a DOCS-document batch (2,000) starts while POLLERS clients (20) read its operation back to
 * back; once it has made progress it is cancelled with DELETE. Each cancel is broken down from the workflow's
 * history: when Temporal recorded the cancel request, when the workflow asked its chunk activities to stop,
 * when the last of them stopped, and when a client first read `cancelled`. Then PACE_DOCS documents (2,000)
 * run to completion, timed. RSS is read idle after start-up, after the cancels and after the timed batch, and
 * after CACHE_BANKS banks (0) have each run a 10-document batch and its follow-ups (bank queue, graph update,
 * observations: four workflows a bank), which fills the workflow cache.
 * Extra environment (HINDSIGHT_*) passes to the service.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { scratchDir } from './lifecycle.js';
import { percentile, rssMb, sleep } from './measure.js';
import { cancelOpenOperations, opsPath, submit, waitEnded } from './operations.js';
import { http, type ServiceChild, startService } from './service.js';
import { REPO_ROOT } from './settings.js';

const CANCELS = Number(process.env.CANCELS ?? 5);
const DOCS = Number(process.env.DOCS ?? 2_000);
const POLLERS = Number(process.env.POLLERS ?? 20);
const PACE_DOCS = Number(process.env.PACE_DOCS ?? 2_000);
/** Banks that each get one small batch at the end, to fill the worker's workflow cache (0: skip). */
const CACHE_BANKS = Number(process.env.CACHE_BANKS ?? 0);

interface Cancel {
  /** DELETE sent → its answer read. */
  answerMs: number;
  answerStatus: string;
  /** DELETE sent → the server recorded the cancel request. */
  requestedMs: number;
  /** DELETE sent → the workflow asked its chunks to stop (its workflow task completed). */
  seenMs: number;
  /** DELETE sent → the last chunk activity ended. */
  chunksStoppedMs: number;
  /** DELETE sent → the final write (finishOperation) started running. */
  finishStartedMs: number;
  /** DELETE sent → a client first read `cancelled`. */
  readCancelledMs: number;
  chunksInFlight: number;
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

interface HistoryEvent {
  eventId: string;
  eventType: string;
  eventTime: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId: string };
}

function history(temporalPort: number, workflowId: string): HistoryEvent[] {
  const out = execFileSync(
    join(REPO_ROOT, '.temporal', 'bin', 'temporal'),
    ['workflow', 'show', '-w', workflowId, '--address', `127.0.0.1:${temporalPort}`, '-o', 'json'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return JSON.parse(out).events;
}

function memoryLine(pid: number, metrics: string): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const threads = /Threads:\s+(\d+)/.exec(status)?.[1];
  const metric = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(metrics);
    return m ? Math.round(Number(m[1]) / 1e6) : Number.NaN;
  };
  return (
    `RSS ${Math.round(rssMb(pid))} MB, heap used ${metric('nodejs_heap_size_used_bytes')} MB ` +
    `of ${metric('nodejs_heap_size_total_bytes')} MB, external ${metric('nodejs_external_memory_bytes')} MB, ` +
    `threads ${threads}`
  );
}

async function oneCancel(service: ServiceChild, temporalPort: number, round: number): Promise<Cancel> {
  const bank = `bench-cancel-${round}`;
  const { operationId } = await submit(service.url, bank, makeDocuments(DOCS, 70 + round));
  const path = `${opsPath(bank)}/${operationId}`;
  let watching = true;
  let cancelledAt: number | undefined;
  let sentAt: number | undefined;
  let progress = 0;
  const client = async () => {
    while (watching) {
      const reply = await http(service.url, 'GET', path).catch(() => undefined);
      if (reply?.status !== 200) continue;
      progress = Math.max(progress, reply.body.progress);
      if (reply.body.status === 'cancelled' && sentAt !== undefined) cancelledAt ??= Date.now();
    }
  };
  const pollers = Array.from({ length: POLLERS }, () => client());
  while (progress < 100) await sleep(100);
  sentAt = Date.now();
  const answer = await http(service.url, 'DELETE', path);
  const answerMs = Date.now() - sentAt;
  while (cancelledAt === undefined && Date.now() - sentAt < 60_000) await sleep(20);
  watching = false;
  await Promise.all(pollers);

  const events = history(temporalPort, `batch_retain/${bank}/${operationId}`);
  const at = (e: { eventTime: string }) => Date.parse(e.eventTime) - sentAt!;
  const requested = events.find((e) => e.eventType.endsWith('WORKFLOW_EXECUTION_CANCEL_REQUESTED'));
  const asked = events.filter((e) => e.eventType.endsWith('ACTIVITY_TASK_CANCEL_REQUESTED'));
  const ended = events.filter((e) => e.eventType.endsWith('ACTIVITY_TASK_CANCELED'));
  const finish = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'finishOperation',
  );
  const finishStarted = events.find(
    (e) => finish && e.activityTaskStartedEventAttributes?.scheduledEventId === finish.eventId,
  );
  await cancelOpenOperations(service.url, bank);
  return {
    finishStartedMs: finishStarted ? at(finishStarted) : Number.NaN,
    answerMs,
    answerStatus: `${answer.status} ${answer.body?.status}${answer.body?.stopping ? ' stopping' : ''}`,
    requestedMs: requested ? at(requested) : Number.NaN,
    seenMs: asked.length ? at(asked[0]!) : Number.NaN,
    chunksStoppedMs: ended.length ? Math.max(...ended.map(at)) : Number.NaN,
    readCancelledMs: (cancelledAt ?? Number.NaN) - sentAt,
    chunksInFlight: asked.length,
  };
}

async function main(): Promise<void> {
  const root = scratchDir('cancel');
  const temporalPort = await freePort();
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('HINDSIGHT_') && v) extra[k] = v;
  const service = await startService({
    dataDir: join(root, 'data'),
    port: await freePort(),
    taskQueue: 'hindsight',
    postgresPort: await freePort(),
    env: { TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(await freePort()), ...extra },
  });
  const metrics = async () => (await http<string>(service.url, 'GET', '/metrics')).body;
  try {
    log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; service env ${JSON.stringify(extra)}`,
    );
    await sleep(10_000);
    log(`idle after start-up: ${memoryLine(service.pid, await metrics())}`);

    const cancels: Cancel[] = [];
    for (let round = 1; round <= CANCELS; round++) {
      const c = await oneCancel(service, temporalPort, round);
      cancels.push(c);
      log(
        `cancel ${round}: DELETE answered ${c.answerMs} ms (${c.answerStatus}); request recorded ` +
          `+${c.requestedMs} ms, workflow asked ${c.chunksInFlight} chunks to stop +${c.seenMs} ms, ` +
          `last chunk stopped +${c.chunksStoppedMs} ms, final write started +${c.finishStartedMs} ms, client read cancelled +${c.readCancelledMs} ms`,
      );
    }
    const read = cancels.map((c) => c.readCancelledMs);
    log(
      `cancel → read cancelled: p50 ${percentile(read, 50)} ms, p99 ${percentile(read, 99)} ms ` +
        `(n=${read.length}, ${POLLERS} pollers, ${DOCS} documents)`,
    );
    await sleep(5_000);
    log(`after the cancels: ${memoryLine(service.pid, await metrics())}`);

    if (PACE_DOCS > 0) {
      const bank = 'bench-cancel-pace';
      const { operationId } = await submit(service.url, bank, makeDocuments(PACE_DOCS, 99));
      const done = await waitEnded(service.url, bank, operationId);
      const ms = Date.parse(done.completed_at) - Date.parse(done.created_at);
      log(
        `a ${PACE_DOCS}-document batch: ${(ms / 1000).toFixed(1)} s (${Math.round(PACE_DOCS / (ms / 1000))} docs/s)`,
      );
      await cancelOpenOperations(service.url, bank);
      await sleep(5_000);
      log(`after the batch: ${memoryLine(service.pid, await metrics())}`);
    }
    if (CACHE_BANKS > 0) {
      const started = Date.now();
      const ids = await Promise.all(
        Array.from({ length: CACHE_BANKS }, async (_, i) => {
          const bank = `bench-cache-${i}`;
          return { bank, ...(await submit(service.url, bank, makeDocuments(10, 200 + i))) };
        }),
      );
      for (const { bank, operationId } of ids) await waitEnded(service.url, bank, operationId);
      // The follow-ups each completed batch queued: let them run out too.
      const open = async (bank: string) =>
        (await http<any>(service.url, 'GET', `${opsPath(bank)}?limit=10`)).body.operations.some(
          (op: any) => op.status === 'pending' || op.status === 'running',
        );
      for (const { bank } of ids) while (await open(bank)) await sleep(500);
      log(
        `${CACHE_BANKS} banks ran a batch and its follow-ups in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      await sleep(5_000);
      log(`after ${CACHE_BANKS} banks: ${memoryLine(service.pid, await metrics())}`);
    }
    log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await service.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
