import { isTerminal, type OperationView } from '../operations/types.js';
import type { OperationWatches } from './operation-watch.js';

export interface WaitOutcome {
  operation: OperationView;
  /** The answer's JSON text: the very text every waiter on the same read was handed, so it is made once. */
  json: string;
  /** Whether the operation had ended when the answer was made (false: the wait ran out first). */
  ended: boolean;
}

export interface WaitOptions {
  /** The operation as read when the request came in (a 404 has been answered before this). */
  first: OperationView;
  bankId: string;
  operationId: string;
  waitMs: number;
  /** Shared with every other waiter on the operation: one read per tick for all of them. */
  watches: OperationWatches;
  /** Reads the operation again when the watch finds it gone, so the caller sees the same 404 as a GET. */
  reload: () => Promise<OperationView>;
  /** The client went away: stop waiting (the answer is dropped). */
  signal?: AbortSignal;
}

/**
 * Holds a GET until the operation ends or `waitMs` passes, whichever is first, and answers the latest state.
 * Waiters never read the store themselves; they listen to the operation's shared watch.
 */
export function waitForOperationEnd(options: WaitOptions): Promise<WaitOutcome> {
  const { first, waitMs, signal } = options;
  const answer = (operation: OperationView, ended: boolean, json = JSON.stringify(operation)) => ({
    operation,
    json,
    ended,
  });
  if (isTerminal(first.status)) return Promise.resolve(answer(first, true));
  if (waitMs <= 0 || signal?.aborted) return Promise.resolve(answer(first, false));

  return new Promise<WaitOutcome>((resolve, reject) => {
    let latest = first;
    let latestJson: string | undefined;
    let settled = false;
    const settle = (outcome: () => WaitOutcome | Promise<WaitOutcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      Promise.resolve().then(outcome).then(resolve, reject);
    };
    const onAbort = () => settle(() => answer(latest, false, latestJson));
    const timer = setTimeout(() => settle(() => answer(latest, false, latestJson)), waitMs);
    const unsubscribe = options.watches.subscribe(options.bankId, options.operationId, (update) => {
      if ('gone' in update) {
        settle(async () => answer(await options.reload(), true));
        return;
      }
      latest = update.operation;
      latestJson = update.data;
      if (isTerminal(latest.status)) settle(() => answer(latest, true, latestJson));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
