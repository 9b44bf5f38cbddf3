import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'vitest';
import { operationPath, TERMINAL, waitFor } from './http.js';
import { uniqueBank } from './service.js';

function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

const listensOn = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A free loopback port below the kernel's ephemeral range, for a server a test stops and starts again: while
 * it is down, nothing that asks the kernel for any free port (port 0) can be handed this one.
 */
export async function restartablePort(): Promise<number> {
  const low = Math.min(ephemeralLow(), 32_768);
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * (low - 20_000));
    if (await listensOn(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

/** An HTTP answer, or status 0 when nothing answered (refused, reset, or no answer within the timeout). */
export interface Attempt<T = any> {
  status: number;
  body: T;
  ms: number;
  error?: string;
}

/** Why a request got no answer, with the socket-level cause that `fetch failed` hides. */
function describeFailure(error: unknown): { text: string; code: string | undefined } {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  return { text: cause ? `${error} (${code ?? ''} ${cause.message ?? ''})` : String(error), code };
}

// A kept-alive connection the server closed just as a request went out: HTTP clients resend idempotent
// requests in that case, which fetch does not do by itself. A refused connection is never resent.
const RESENDABLE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** Real HTTP that never throws and never waits forever: a service that is down is an answer too. */
export async function attempt<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<Attempt<T>> {
  const started = Date.now();
  for (let tries = 1; ; tries++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, timeoutMs - (Date.now() - started))),
      });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as T, ms: Date.now() - started };
    } catch (error) {
      const failure = describeFailure(error);
      if (method === 'GET' && tries === 1 && failure.code && RESENDABLE.has(failure.code)) continue;
      return { status: 0, body: undefined as T, ms: Date.now() - started, error: failure.text };
    }
  }
}

/**
 * Runs every teardown step even when an earlier one fails (a service that will not stop must not leave a
 * server or a temp dir behind), then reports the first failure.
 */
export async function teardown(...steps: (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every answer a poller saw, so a suite can assert afterwards that nothing answered 5xx. */
export class AnswerLog {
  readonly statuses = new Map<number, number>();
  readonly serverErrors: string[] = [];

  /** `expected`: statuses that are the right answer here (503 from /health while a part is down). */
  note(what: string, reply: Attempt, expected: number[] = []) {
    this.statuses.set(reply.status, (this.statuses.get(reply.status) ?? 0) + 1);
    if (reply.status >= 500 && !expected.includes(reply.status)) {
      this.serverErrors.push(`${what} -> ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  }

  summary() {
    return Object.fromEntries([...this.statuses.entries()].sort(([a], [b]) => a - b));
  }
}

export interface PollOptions {
  /** Stop once this holds for the operation (default: it reached a terminal state). */
  until?: (operation: any) => boolean;
  timeoutMs: number;
  intervalMs?: number;
  log?: AnswerLog;
  /** Unreachable API counts as "not yet" rather than as a failure (the API process is being restarted). */
  tolerateDown?: boolean;
}

/** Polls GET operation until `until` holds; `base` is read on every poll, so it may change (a restart). */
export async function pollOperation(
  base: () => string,
  bank: string,
  operationId: string,
  options: PollOptions,
): Promise<any> {
  const until = options.until ?? ((op: any) => TERMINAL.includes(op.status));
  const deadline = Date.now() + options.timeoutMs;
  let last: Attempt | undefined;
  for (;;) {
    const reply = await attempt(base(), 'GET', operationPath(bank, operationId));
    options.log?.note('GET operation', reply);
    last = reply;
    if (reply.status === 200) {
      if (until(reply.body)) return reply.body;
    } else if (!(reply.status === 0 && options.tolerateDown)) {
      throw new Error(
        `GET operation ${operationId} answered ${reply.status}: ${reply.error ?? JSON.stringify(reply.body)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `operation ${operationId} did not get there within ${options.timeoutMs} ms; last answer: ` +
          `${last.status} ${last.error ?? JSON.stringify(last.body)}`,
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/** Submits `items` as one async batch and waits until it runs with `fraction` of them done. */
export async function batchRunningPast(
  base: string,
  bank: string,
  items: unknown[],
  fraction: number,
  log: AnswerLog,
): Promise<any> {
  const submitted = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return pollOperation(() => base, bank, submitted.body.operation_id, {
    until: (op) => op.status === 'running' && op.progress >= items.length * fraction,
    timeoutMs: 60_000,
    log,
  });
}

/** Waits until `/health` answers 200 (every part back after an outage). */
export const healthyAgain = (base: string) =>
  waitFor('/health to answer 200 again', async () => (await attempt(base, 'GET', '/health')).status === 200);

export interface Census {
  /** Every memory id listed, in list order. */
  ids: string[];
  /** Memories per document_id. */
  perDocument: Record<string, number>;
  total: number;
}

/** Reads every memory of a bank (optionally of one operation) through the public list, page by page. */
export async function memoryCensus(base: string, bank: string, operationId?: string): Promise<Census> {
  const ids: string[] = [];
  const perDocument: Record<string, number> = {};
  let total = -1;
  for (let offset = 0; total < 0 || offset < total; offset += 100) {
    const filter = operationId ? `&operation_id=${operationId}` : '';
    const page = await attempt(
      base,
      'GET',
      `/v1/default/banks/${bank}/memories?limit=100&offset=${offset}${filter}`,
    );
    expect(page.status, `listing memories of ${bank}: ${page.error ?? JSON.stringify(page.body)}`).toBe(200);
    if (total >= 0) expect(page.body.total, 'the memory count changed while it was being read').toBe(total);
    total = page.body.total;
    for (const m of page.body.memories as { id: string; document_id: string | null }[]) {
      ids.push(m.id);
      const doc = m.document_id ?? '(none)';
      perDocument[doc] = (perDocument[doc] ?? 0) + 1;
    }
  }
  return { ids, perDocument, total };
}

export interface Reference {
  items: number;
  perDocument: Record<string, number>;
  memories: number;
}

/** The same documents retained with no fault, in a bank of their own: what a faulty run must equal. */
export async function cleanRun(base: string, items: unknown[], timeoutMs = 120_000): Promise<Reference> {
  const bank = uniqueBank('clean');
  const res = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const op = await pollOperation(() => base, bank, res.body.operation_id, { timeoutMs, intervalMs: 250 });
  expect(op.status).toBe('completed');
  expect(op.progress).toBe(items.length);
  const census = await memoryCensus(base, bank, op.operation_id);
  expect(census.total).toBe(op.result.memory_ids.length);
  return { items: items.length, perDocument: census.perDocument, memories: census.total };
}

/** A clean run's expectations for some of the same documents. */
export function referenceSubset(reference: Reference, items: { document_id: string }[]): Reference {
  const perDocument: Record<string, number> = {};
  for (const { document_id } of items) {
    const count = reference.perDocument[document_id];
    if (count === undefined) throw new Error(`the clean run had no document ${document_id}`);
    perDocument[document_id] = count;
  }
  const memories = Object.values(perDocument).reduce((a, b) => a + b, 0);
  return { items: items.length, perDocument, memories };
}

/**
 * What "lost nothing, duplicated nothing" means for a batch retain: completed with every item counted, no
 * memory id twice in the result, the store holding exactly the result's memories, and as many memories per
 * document as a clean run of the same documents produced.
 */
export async function expectExactMemories(
  base: string,
  bank: string,
  operation: any,
  reference: Reference,
  options: { bankHoldsOnlyThis?: boolean } = {},
): Promise<void> {
  expect(operation.status, `operation ended ${operation.status}: ${operation.error}`).toBe('completed');
  expect(operation.error).toBeNull();
  expect(operation.total).toBe(reference.items);
  expect(operation.progress).toBe(operation.total);
  expect(operation.result.failed_items).toEqual([]);
  const ids: string[] = operation.result.memory_ids;
  expect(new Set(ids).size, 'result.memory_ids holds duplicates').toBe(ids.length);
  expect(ids.length).toBe(reference.memories);

  const census = await memoryCensus(base, bank, operation.operation_id);
  expect(census.total).toBe(ids.length);
  expect(new Set(census.ids).size, 'the store lists a memory twice').toBe(census.ids.length);
  expect([...census.ids].sort()).toEqual([...ids].sort());
  const missing = Object.keys(reference.perDocument).filter((d) => census.perDocument[d] === undefined);
  expect(missing, 'documents with no memories').toEqual([]);
  expect(census.perDocument).toEqual(reference.perDocument);
  if (options.bankHoldsOnlyThis) {
    const all = await attempt(base, 'GET', `/v1/default/banks/${bank}/memories?limit=1`);
    expect(all.body.total).toBe(ids.length);
  }
}

/**
 * `n` fractions of the way through a run, one drawn at random from each of `n` equal slices of [lo, hi], so
 * faults land at different points on every run but never all at once.
 */
export function faultPoints(n: number, lo = 0.1, hi = 0.8): number[] {
  const width = (hi - lo) / n;
  return Array.from({ length: n }, (_, i) =>
    Number((lo + width * (i + 0.1 + 0.8 * Math.random())).toFixed(3)),
  );
}
