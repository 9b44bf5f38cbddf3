/**
 * The soak's clients, each a loop until `until`: what many users of one service do at once. Every answer's
 * time goes into `stats` under the loop's name; anything but the expected status counts as an error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeDocuments } from './corpus.js';
import { sleep } from './measure.js';
import { opsPath, TERMINAL } from './operations.js';
import { http } from './service.js';

export const HOT_BANK = 'soak-hot';
export const coldBank = (i: number) => `soak-cold-${i}`;

/** Latencies (ms) by request kind, drained once a minute; counts kept for the whole run. */
export class Stats {
  private window = new Map<string, number[]>();
  readonly errors = new Map<string, number>();
  readonly all = new Map<string, number[]>();

  note(kind: string, ms: number): void {
    // Appended in place: a copy per request would cost the load generator time quadratic in the run's length.
    Stats.samples(this.window, kind).push(ms);
    Stats.samples(this.all, kind).push(ms);
  }

  /** Answers noted for each kind over the whole run. */
  totals(): Record<string, number> {
    return Object.fromEntries([...this.all].map(([kind, list]) => [kind, list.length]));
  }

  private static samples(map: Map<string, number[]>, kind: string): number[] {
    const list = map.get(kind) ?? [];
    if (list.length === 0) map.set(kind, list);
    return list;
  }

  error(kind: string, detail: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    if ((this.errors.get(kind) ?? 0) <= 3) console.warn(`[soak] ${kind}: ${detail.slice(0, 300)}`);
  }

  drain(): Map<string, number[]> {
    const out = this.window;
    this.window = new Map();
    return out;
  }
}

export interface Load {
  base: () => string;
  until: number;
  stats: Stats;
  /** Operations the hot clients submitted and saw end, for the pollers and SSE readers to watch. */
  recent: { bank: string; id: string }[];
}

const stillRunning = (load: Load) => Date.now() < load.until;

/** A request that must answer `expected`; the time is noted, a refusal or a dropped connection counted. */
async function call(
  load: Load,
  kind: string,
  method: string,
  path: string,
  body?: unknown,
  expected = [200],
) {
  try {
    const reply = await http(load.base(), method, path, body);
    load.stats.note(kind, reply.ms);
    if (!expected.includes(reply.status)) {
      load.stats.error(kind, `${reply.status} ${JSON.stringify(reply.body)}`);
      return undefined;
    }
    return reply;
  } catch (error) {
    load.stats.error(kind, String(error));
    await sleep(500); // the service may be restarting after a crash
    return undefined;
  }
}

async function submitAsync(load: Load, kind: string, bank: string, docs: number, seed: number) {
  const reply = await call(
    load,
    kind,
    'POST',
    `/v1/default/banks/${bank}/memories`,
    { async: true, operation_id: `op-soak-${randomUUID()}`, items: makeDocuments(docs, seed) },
    [202],
  );
  return reply?.body.operation_id as string | undefined;
}

/** Polls an operation every 250 ms until it has ended (or the soak has). */
async function waitEnd(load: Load, bank: string, id: string): Promise<string | undefined> {
  while (stillRunning(load)) {
    const reply = await call(load, 'poll', 'GET', `${opsPath(bank)}/${id}`);
    if (reply && TERMINAL.has(reply.body.status)) return reply.body.status;
    await sleep(250);
  }
  return undefined;
}

/** The hot bank's clients: submit a small batch, watch it end, submit the next. */
export async function hotSubmitter(load: Load, index: number): Promise<void> {
  for (let n = 0; stillRunning(load); n++) {
    const id = await submitAsync(load, 'submit hot', HOT_BANK, 2, index * 100_000 + n * 2);
    if (!id) continue;
    const status = await waitEnd(load, HOT_BANK, id);
    if (status && status !== 'completed') load.stats.error('hot batch', `${id} ended ${status}`);
    if (status) load.recent.push({ bank: HOT_BANK, id });
    if (load.recent.length > 200) load.recent.splice(0, load.recent.length - 200);
  }
}

/** Cold banks: one submit now and then, each into any of many banks. */
export async function coldSubmitter(load: Load, index: number, banks: number): Promise<void> {
  for (let n = 0; stillRunning(load); n++) {
    const bank = coldBank((index * 7 + n) % banks);
    const id = await submitAsync(load, 'submit cold', bank, 3, 5_000_000 + index * 100_000 + n * 3);
    if (id) load.recent.push({ bank, id });
    await sleep(3_000);
  }
}

/** A client that reads back to back: an operation, a list, the health check. */
export async function poller(load: Load, index: number): Promise<void> {
  for (let n = index; stillRunning(load); n++) {
    const op = load.recent[n % Math.max(1, load.recent.length)];
    if (!op || n % 3 === 2) await call(load, 'read health', 'GET', '/health');
    else if (n % 3 === 0) await call(load, 'read operation', 'GET', `${opsPath(op.bank)}/${op.id}`);
    else await call(load, 'read list', 'GET', `${opsPath(op.bank)}?limit=20`);
  }
}

/** Follows a recent operation's Server-Sent Events to their end, then the next one. */
export async function sseReader(load: Load): Promise<void> {
  while (stillRunning(load)) {
    const op = load.recent.at(-1);
    if (!op) {
      await sleep(500);
      continue;
    }
    const started = performance.now();
    try {
      const res = await fetch(`${load.base()}${opsPath(op.bank)}/${op.id}/events`, {
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('event: operation'))
        load.stats.error('sse', `${res.status} ${text.slice(0, 200)}`);
      else load.stats.note('sse', performance.now() - started);
    } catch (error) {
      load.stats.error('sse', String(error));
    }
    await sleep(1_000);
  }
}

/** Synchronous retains of a document or two into the cold banks. */
export async function syncRetainer(load: Load, index: number, banks: number): Promise<void> {
  for (let n = 0; stillRunning(load); n++) {
    const bank = coldBank((index * 5 + n) % banks);
    await call(load, 'retain sync', 'POST', `/v1/default/banks/${bank}/memories`, {
      items: makeDocuments(2, 9_000_000 + index * 100_000 + n * 2),
    });
    await sleep(2_000);
  }
}

/** A graph rebuild and an observation regeneration in a cold bank every half minute. */
export async function maintainer(load: Load, banks: number): Promise<void> {
  for (let n = 0; stillRunning(load); n++) {
    const bank = coldBank(n % banks);
    await call(load, 'maintenance', 'POST', `/v1/default/banks/${bank}/graph/update`, {}, [202]);
    await call(load, 'maintenance', 'POST', `/v1/default/banks/${bank}/observations/regenerate`, {}, [202]);
    await sleep(30_000);
  }
}

/**
 * Cancels of a large batch once it runs, while everything else goes on: the time from the DELETE to the first
 * read that says `cancelled`, reading back to back.
 */
export async function canceller(load: Load, docs: number, everyMs: number): Promise<void> {
  for (let n = 0; stillRunning(load); n++) {
    const bank = `soak-cancel-${n}`;
    const id = await submitAsync(load, 'submit large', bank, docs, 20_000_000 + n * docs);
    if (!id) continue;
    const path = `${opsPath(bank)}/${id}`;
    let running = false;
    while (stillRunning(load) && !running) {
      const reply = await call(load, 'poll', 'GET', path);
      running = reply?.body.status === 'running' && reply.body.progress > 0;
      if (reply && TERMINAL.has(reply.body.status)) break;
      await sleep(100);
    }
    if (!running) continue;
    const started = performance.now();
    await call(load, 'cancel request', 'DELETE', path, undefined, [200, 202]);
    for (;;) {
      const reply = await call(load, 'poll', 'GET', path);
      if (reply?.body.status === 'cancelled') {
        load.stats.note('cancel to cancelled', performance.now() - started);
        break;
      }
      if ((reply && TERMINAL.has(reply.body.status)) || performance.now() - started > 60_000) {
        load.stats.error('cancel to cancelled', `${id} ended ${reply?.body.status}`);
        break;
      }
    }
    await sleep(everyMs);
  }
}

/** Many async submits at once over 20 banks, as in the bench: each one's time to its 202. */
export async function burst(load: Load, submits: number, tag: string): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: submits }, async (_, i) => {
      const started = performance.now();
      const id = await submitAsync(
        load,
        'submit burst',
        `soak-burst-${i % 20}-${tag}`,
        3,
        30_000_000 + i * 3,
      );
      if (id) times.push(performance.now() - started);
    }),
  );
  return times;
}

/** A loopback receiver the hot bank's webhook delivers to; it acknowledges every delivery. */
export async function webhookReceiver(): Promise<{ url: string; received: () => number; close: () => void }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received: () => received, close: () => server.close() };
}
