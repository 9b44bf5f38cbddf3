/**
 * `npm run bench:limits`: one client trying to take the service down beside a real batch. A 2,000-document
 * batch runs alone, then again while 1,000 event streams are attempted (and re-attempted after their
 * Retry-After) on it and 100 request bodies trickle in one byte at a time (reopened when the server closes
 * them). Prints the batch's pace against the same batch alone, /health latency, resident memory and CPU, and
 * what the limits answered, all measured in one run.
 */

import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDevServer } from '../test/support/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { cpuSeconds, fmt, sleep, summarize, table } from './measure.js';
import { cancelOpenOperations, submit, waitEnded } from './operations.js';
import { http, type ServiceChild, startService } from './service.js';
import { log } from './settings.js';

const BATCH_DOCS = 2_000;
const STREAM_ATTEMPTERS = 1_000;
const SLOW_BODIES = 100;
const HEALTH_EVERY_MS = 100;
/** CPU seconds every core of the machine has spent busy so far (all processes, everyone's). */
function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Window {
  ms: number;
  docsPerSecond: number;
  health: number[];
  healthNotOk: number;
  rssStart: number;
  rssPeak: number;
  /** CPU seconds over the batch: the service's, this process's (the attacking clients) and the machine's. */
  cpu: number;
  benchCpu: number;
  machineCpu: number;
}

/** /health every HEALTH_EVERY_MS, one at a time, until stopped. */
function healthProbe(url: string) {
  const samples: number[] = [];
  let notOk = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      const reply = await http(url, 'GET', '/health').catch(() => undefined);
      if (reply?.status === 200) samples.push(reply.ms);
      else notOk++;
      await sleep(HEALTH_EVERY_MS);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { samples, notOk };
    },
  };
}

/**
 * One batch, timed from `created_at` to `completed_at`, with /health probed and RSS and CPU measured around it.
 * `beside` starts once the batch is submitted and is stopped when it has ended (the attack, when there is one).
 */
async function timedBatch(
  service: ServiceChild,
  bank: string,
  seed: number,
  beside?: (operationId: string) => () => Promise<void>,
): Promise<Window> {
  const probe = healthProbe(service.url);
  const from = service.rss.mark();
  const before = {
    service: cpuSeconds(service.pid),
    bench: cpuSeconds(process.pid),
    machine: machineCpuSeconds(),
  };
  const { operationId } = await submit(service.url, bank, makeDocuments(BATCH_DOCS, seed));
  const stopBeside = beside?.(operationId);
  const done = await waitEnded(service.url, bank, operationId);
  const cpu = cpuSeconds(service.pid) - before.service;
  const benchCpu = cpuSeconds(process.pid) - before.bench;
  const machineCpu = machineCpuSeconds() - before.machine;
  const to = service.rss.mark();
  const besideSettled = stopBeside?.(); // stops at once; its clients wind down while the probe ends
  const { samples, notOk } = await probe.stop();
  await besideSettled;
  await cancelOpenOperations(service.url, bank);
  const ms = Date.parse(done.completed_at) - Date.parse(done.created_at);
  const rss = service.rss.between(from, to);
  return {
    ms,
    docsPerSecond: (BATCH_DOCS * 1000) / ms,
    health: samples,
    healthNotOk: notOk,
    rssStart: rss.start,
    rssPeak: rss.peak,
    cpu,
    benchCpu,
    machineCpu,
  };
}

/** One attacker: opens a stream on the operation, holds it while it lasts, re-attempts after Retry-After. */
function streamAttempter(url: string, path: string, counts: Record<string, number>, active: () => boolean) {
  return (async () => {
    while (active()) {
      const outcome = await new Promise<{ status: number; retryAfter: number }>((resolve) => {
        const req = httpRequest(`${url}${path}`, { headers: { accept: 'text/event-stream' }, agent: false });
        req.on('response', (res) => {
          const retryAfter = Number(res.headers['retry-after'] ?? 1);
          // A stream that ends without the terminal state was dropped by the server.
          let tail = '';
          res.on('data', (d: Buffer) => {
            tail = (tail + d.toString('utf8')).slice(-200_000);
          });
          const ended = () =>
            resolve({
              status:
                res.statusCode === 200 && !tail.includes('"status":"completed"') ? -1 : (res.statusCode ?? 0),
              retryAfter,
            });
          res.on('end', ended);
          res.on('error', ended);
        });
        req.on('error', () => resolve({ status: 0, retryAfter: 1 }));
        req.end();
      });
      counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
      if (outcome.status === 200) return; // the operation ended
      if (outcome.status === -1) continue; // dropped: open another at once
      await sleep(outcome.retryAfter * 1000);
    }
  })();
}

/** One trickler: a body one byte every 500 ms; counts how the server ended it and how long it took. */
function slowBody(url: string, closes: number[], statuses: Record<string, number>, active: () => boolean) {
  const { port } = new URL(url);
  return (async () => {
    while (active()) {
      const started = Date.now();
      const status = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let head = '';
        let timer: NodeJS.Timeout | undefined;
        socket.on('data', (d) => {
          head += d.toString('utf8');
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 'closed');
        });
        socket.write(
          'POST /v1/default/banks/bench-slow/memories HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
            'content-type: application/json\r\ncontent-length: 1000000\r\n\r\n',
        );
        const drip = () => {
          if (!active()) return socket.destroy();
          socket.write(' ');
          timer = setTimeout(drip, 500);
        };
        drip();
      });
      if (!active()) return;
      statuses[status] = (statuses[status] ?? 0) + 1;
      closes.push(Date.now() - started);
    }
  })();
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hindsight-bench-limits-'));
  chmodSync(root, 0o711);
  const loadBefore = loadAverage();
  const devServer = await startTestDevServer({ dbFilename: join(root, 'temporal.sqlite') });
  const service = await startService({
    temporalAddress: devServer.address,
    dataDir: join(root, 'service'),
    port: await freePort(),
    postgresPort: await freePort(),
    taskQueue: `bench-limits-${process.pid}`,
  });
  try {
    log('warm-up batch');
    await timedBatch(service, 'bench-warm', 3);
    log(`${BATCH_DOCS.toLocaleString('en')}-document batch alone`);
    const alone = await timedBatch(service, 'bench-alone', 5);

    log(`the same batch with ${STREAM_ATTEMPTERS} stream attempters and ${SLOW_BODIES} slow bodies`);
    const streamCounts: Record<string, number> = {};
    const closes: number[] = [];
    const bodyStatuses: Record<string, number> = {};
    const attacked = await timedBatch(service, 'bench-attacked', 5, (operationId) => {
      let attacking = true;
      const path = `/v1/default/banks/bench-attacked/operations/${operationId}/events`;
      const clients = [
        ...Array.from({ length: STREAM_ATTEMPTERS }, () =>
          streamAttempter(service.url, path, streamCounts, () => attacking),
        ),
        ...Array.from({ length: SLOW_BODIES }, () =>
          slowBody(service.url, closes, bodyStatuses, () => attacking),
        ),
      ];
      return async () => {
        attacking = false;
        await Promise.all(clients);
      };
    });
    log('the same batch alone again');
    const aloneAgain = await timedBatch(service, 'bench-alone-again', 5);
    const loadAfter = loadAverage();

    const row = (name: string, w: Window) => {
      const h = summarize(w.health);
      return [
        name,
        fmt.s(w.ms),
        `${w.docsPerSecond.toFixed(0)}/s`,
        fmt.ratio(w.docsPerSecond / alone.docsPerSecond),
        `${fmt.ms(h.p50)} / ${fmt.ms(h.p99)} (${h.n}, ${w.healthNotOk} not 200)`,
        `${fmt.mb(w.rssStart)} → ${fmt.mb(w.rssPeak)}`,
        `${w.cpu.toFixed(1)} s`,
      ];
    };
    const closeSummary = summarize(closes);
    console.log(
      `\n${table(
        [
          '2,000-document batch',
          'time',
          'pace',
          'vs alone',
          '/health p50 / p99 (n)',
          'RSS start → peak',
          'service CPU',
        ],
        [
          row('alone', alone),
          row(`+ ${STREAM_ATTEMPTERS} streams, ${SLOW_BODIES} slow bodies`, attacked),
          row('alone again', aloneAgain),
        ],
      )}\n`,
    );
    console.log(
      `stream answers (200: held to the terminal state, -1: ended early): ${JSON.stringify(streamCounts)}`,
    );
    console.log(
      `slow bodies ended by the server: ${JSON.stringify(bodyStatuses)}, after ${fmt.ms(closeSummary.p50)} ` +
        `(p50) / ${fmt.ms(closeSummary.max)} (max)`,
    );
    console.log(
      `CPU while attacked: service ${attacked.cpu.toFixed(1)} s, the attacking clients (this process) ` +
        `${attacked.benchCpu.toFixed(1)} s, the whole machine ${attacked.machineCpu.toFixed(1)} s over ` +
        fmt.s(attacked.ms),
    );
    console.log(`load average: ${loadBefore} before, ${loadAfter} after`);
  } finally {
    await service.stop();
    await devServer.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
