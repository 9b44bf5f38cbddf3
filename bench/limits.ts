/**
 * `npm run bench:limits`: one client trying to take the service down beside a real batch. A 2,000-document
 * batch runs alone, then again while 1,000 event streams are attempted (and re-attempted after their
 * Retry-After) on it and 100 request bodies trickle in one byte at a time (reopened when the server closes
 * them). Prints the batch's pace against the same batch alone, /health latency, resident memory and CPU, and
 * what the limits answered, all measured in one run.
 */

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { makeDocuments } from './corpus.js';
import { loadAverage, runBench, startBenchService } from './lifecycle.js';
import { type AttackReport, SLOW_BODIES, STREAM_ATTEMPTERS } from './limits-attack.js';
import { cpuSeconds, fmt, sleep, summarize, table } from './measure.js';
import { cancelOpenOperations, submit, waitEnded } from './operations.js';
import { http, type ServiceChild } from './service.js';
import { log } from './settings.js';

const BATCH_DOCS = 2_000;
/** The attacking clients' niceness: they get what CPU the service leaves, as clients on other machines would. */
const ATTACKER_NICENESS = 10;
const HEALTH_EVERY_MS = 100;
/** CPU seconds every core of the machine has spent busy so far (all processes, everyone's). */
function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}
interface Window {
  ms: number;
  docsPerSecond: number;
  health: number[];
  healthNotOk: number;
  rssStart: number;
  rssPeak: number;
  /** CPU seconds over the batch: the service's, the bench's (with the attacking clients) and the machine's. */
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
  /** The process the attacking clients run in, started by `beside` (its CPU counts from zero). */
  attackerPid?: () => number,
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
  const benchCpu = cpuSeconds(process.pid) - before.bench + (attackerPid ? cpuSeconds(attackerPid()) : 0);
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

/** The attacking clients in a child process at a lower priority (see limits-attack.ts). */
function startAttack(url: string, path: string) {
  const child = fork(join(import.meta.dirname, 'limits-attack.ts'), [url, path], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (child.pid === undefined) throw new Error('could not start the attacking clients');
  setPriority(child.pid, ATTACKER_NICENESS);
  const report = new Promise<AttackReport>((resolve, reject) => {
    child.once('message', (m) => resolve(m as AttackReport));
    child.once('exit', (code) =>
      reject(new Error(`the attacking clients exited (${code}) without a report`)),
    );
  });
  return {
    pid: child.pid,
    stop: () => {
      child.send('stop');
      return report;
    },
  };
}

async function main(): Promise<void> {
  const { loadBefore, service, stop } = await startBenchService('limits', {
    // HINDSIGHT_BENCH_CPU_PROF=<dir>: the service writes a CPU profile there when it stops.
    ...(process.env.HINDSIGHT_BENCH_CPU_PROF
      ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.HINDSIGHT_BENCH_CPU_PROF] }
      : {}),
  });
  try {
    log('warm-up batch');
    await timedBatch(service, 'bench-warm', 3);
    log(`${BATCH_DOCS.toLocaleString('en')}-document batch alone`);
    const alone = await timedBatch(service, 'bench-alone', 5);

    log(`the same batch with ${STREAM_ATTEMPTERS} stream attempters and ${SLOW_BODIES} slow bodies`);
    let report: AttackReport | undefined;
    let attackerPid = 0;
    const attacked = await timedBatch(
      service,
      'bench-attacked',
      5,
      (operationId) => {
        const attack = startAttack(
          service.url,
          `/v1/default/banks/bench-attacked/operations/${operationId}/events`,
        );
        attackerPid = attack.pid;
        return async () => {
          report = await attack.stop();
        };
      },
      () => attackerPid,
    );
    const { streamCounts, closes, bodyStatuses } = report!;
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
      `CPU while attacked: service ${attacked.cpu.toFixed(1)} s, the bench and its attacking clients ` +
        `${attacked.benchCpu.toFixed(1)} s, the whole machine ${attacked.machineCpu.toFixed(1)} s over ` +
        fmt.s(attacked.ms),
    );
    console.log(`load average: ${loadBefore} before, ${loadAfter} after`);
  } finally {
    await stop();
  }
}

runBench(main);
