import {
  isTerminalStatus,
  type Operation,
  type OperationStatus,
} from '../../clients/typescript/src/index.js';
import type { CliContext } from './context.js';
import { duration, fraction, summarizeResult } from './format.js';
import { LiveBars, progressLine, RateTracker } from './progress.js';

/** Exit codes of `operations watch`: scripts can tell the three endings apart. */
export function exitCodeFor(status: OperationStatus): number {
  if (status === 'failed') return 1;
  if (status === 'cancelled') return 2;
  return 0;
}

function stateKey(operation: Operation): string {
  return `${operation.status}:${operation.progress}:${operation.total}`;
}

/** Shows one operation until it ends and returns its final state. */
export async function watchOne(
  ctx: CliContext,
  bankId: string,
  operationId: string,
  pollIntervalMs: number,
): Promise<Operation> {
  const tracker = new RateTracker();
  const area = ctx.tty && !ctx.json ? new LiveBars(process.stdout, false) : undefined;
  let lastKey = '';
  let final: Operation | undefined;
  try {
    for await (const operation of ctx.client.watchOperation({
      bankId,
      operationId,
      pollIntervalMs,
      signal: ctx.signal,
    })) {
      final = operation;
      if (operation.status === 'running') tracker.add(operation.progress);
      const key = stateKey(operation);
      if (ctx.json) {
        if (key !== lastKey) ctx.printJson(operation, false);
      } else if (area) {
        if (!lastKey) ctx.out(`Watching ${operation.operationId} (${operation.type}) in bank ${bankId}`);
        area.show(operation, tracker);
      } else if (key !== lastKey) {
        ctx.out(progressLine(operation, tracker, { showId: true }));
      }
      lastKey = key;
    }
  } finally {
    area?.done();
  }
  if (!final) throw new Error(`no state received for operation ${operationId}`);
  if (!ctx.json) reportEnd(ctx, final);
  return final;
}

function reportEnd(ctx: CliContext, operation: Operation): void {
  const took =
    operation.startedAt && operation.completedAt
      ? ` in ${duration(Date.parse(operation.completedAt) - Date.parse(operation.startedAt))}`
      : '';
  const summary = summarizeResult(operation);
  if (operation.status === 'completed') {
    ctx.out(`Completed${took}${summary ? `: ${summary}` : ''}`);
  } else if (operation.status === 'failed') {
    ctx.err(`error: operation ${operation.operationId} failed: ${operation.error ?? 'no error message'}`);
  } else if (operation.status === 'cancelled') {
    ctx.out(`Cancelled at ${fraction(operation.progress, operation.total)}${summary ? ` (${summary})` : ''}`);
  }
}

interface Tracked {
  operation: Operation;
  tracker: RateTracker;
  lastKey: string;
  done: Promise<void>;
}

/**
 * Shows every pending or running operation of the bank, adding ones that appear, until all have
 * ended. Exit code: 1 when any failed, else 2 when any was cancelled, else 0.
 */
/** Waits, or returns early when Ctrl-C aborts the signal (then throws its reason). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
  signal.throwIfAborted();
}

export async function watchAll(
  ctx: CliContext,
  bankId: string,
  pollIntervalMs: number,
  exitWhenIdle = false,
): Promise<number> {
  const tracked = new Map<string, Tracked>();
  const area = ctx.tty && !ctx.json ? new LiveBars(process.stdout, true) : undefined;
  const failures: unknown[] = [];

  const render = () => {
    if (!area) return;
    const counts = new Map<string, number>();
    for (const { operation } of tracked.values()) {
      counts.set(operation.status, (counts.get(operation.status) ?? 0) + 1);
    }
    const summary = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
    area.note(`${tracked.size} operations: ${summary}`);
    for (const { operation, tracker } of tracked.values())
      area.show(operation, tracker, `  ${operation.type}`);
  };

  const update = (entry: Tracked, operation: Operation) => {
    entry.operation = operation;
    if (operation.status === 'running') entry.tracker.add(operation.progress);
    const key = stateKey(operation);
    if (key === entry.lastKey) return;
    entry.lastKey = key;
    if (ctx.json) ctx.printJson(operation, false);
    else if (area) render();
    else ctx.out(progressLine(operation, entry.tracker, { showId: true }));
  };

  const follow = async (entry: Tracked) => {
    const { operationId } = entry.operation;
    try {
      for await (const operation of ctx.client.watchOperation({
        bankId,
        operationId,
        pollIntervalMs,
        signal: ctx.signal,
      })) {
        update(entry, operation);
      }
    } catch (error) {
      if (!ctx.signal.aborted) failures.push(error);
    }
  };

  const discover = async () => {
    const [pending, running] = await Promise.all([
      ctx.client.listOperations({ bankId, status: 'pending', limit: 100, signal: ctx.signal }),
      ctx.client.listOperations({ bankId, status: 'running', limit: 100, signal: ctx.signal }),
    ]);
    for (const operation of [...running, ...pending]) {
      if (tracked.has(operation.operationId)) continue;
      const entry: Tracked = { operation, tracker: new RateTracker(), lastKey: '', done: Promise.resolve() };
      tracked.set(operation.operationId, entry);
      update(entry, operation);
      entry.done = follow(entry);
    }
  };

  try {
    await discover();
    if (tracked.size === 0 && exitWhenIdle) {
      if (!ctx.json) ctx.out(`No pending or running operations in bank ${bankId}.`);
      return 0;
    }
    if (tracked.size === 0) {
      // "Including new ones": an idle bank is watched until its next operation starts (or Ctrl-C).
      if (!ctx.json) {
        ctx.out(
          `No pending or running operations in bank ${bankId} yet: waiting for new ones (Ctrl-C to stop).`,
        );
      }
      while (tracked.size === 0) {
        await pause(pollIntervalMs, ctx.signal);
        await discover();
      }
    }
    for (;;) {
      const active = [...tracked.values()].filter((entry) => !isTerminalStatus(entry.operation.status));
      if (active.length > 0) {
        // Wake up for the next discovery round, or sooner when everything ended.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(active.map((entry) => entry.done)),
          new Promise((resolve) => {
            timer = setTimeout(resolve, pollIntervalMs);
          }),
        ]);
        clearTimeout(timer);
      }
      if (failures.length > 0) throw failures[0];
      const before = tracked.size;
      await discover();
      const allEnded = [...tracked.values()].every((entry) => isTerminalStatus(entry.operation.status));
      if (allEnded && tracked.size === before) break;
    }
  } finally {
    area?.done();
  }

  const statuses = [...tracked.values()].map((entry) => entry.operation.status);
  if (!ctx.json) {
    const counts = new Map<string, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    ctx.out(`All ${tracked.size} operations ended: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
    for (const { operation } of tracked.values()) {
      if (operation.status === 'failed') {
        ctx.err(`error: operation ${operation.operationId} failed: ${operation.error ?? 'no error message'}`);
      }
    }
  }
  if (statuses.includes('failed')) return 1;
  if (statuses.includes('cancelled')) return 2;
  return 0;
}
