import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isTerminal, type OperationView } from '../operations/types.js';

/**
 * What a watcher hears: the operation's latest state (with its JSON, made once for every stream), or that it
 * is gone (deleted with its bank).
 */
export type OperationUpdate = { operation: OperationView; data: string } | { gone: true };
type Listener = (update: OperationUpdate) => void;

interface Watch {
  listeners: Set<Listener>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One poller per operation, shared by every event stream on it: each tick reads the operation once and hands
 * the state to all its streams, so a thousand streams on one batch cost one read every tick, not a thousand.
 * The poller starts with the first subscriber and stops when the last one leaves or the operation ends.
 */
export class OperationWatches {
  private readonly watches = new Map<string, Watch>();
  private readonly reads = new Map<string, Promise<OperationView>>();

  constructor(
    private readonly load: (bankId: string, operationId: string) => Promise<OperationView>,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  /** Operations polled right now (for tests and metrics). */
  get size(): number {
    return this.watches.size;
  }

  /**
   * The operation as it stands, read once for every caller asking while the read is under way: a thousand
   * waiters arriving together cost one read, not a thousand (a 404 reaches each of them alike).
   */
  current(bankId: string, operationId: string): Promise<OperationView> {
    const key = `${bankId}\u0000${operationId}`;
    let read = this.reads.get(key);
    if (!read) {
      read = this.load(bankId, operationId).finally(() => this.reads.delete(key));
      this.reads.set(key, read);
    }
    return read;
  }

  /** Calls `listener` with each new read until the returned function is called. */
  subscribe(bankId: string, operationId: string, listener: Listener): () => void {
    const key = `${bankId}\u0000${operationId}`;
    let watch = this.watches.get(key);
    if (!watch) {
      watch = { listeners: new Set(), timer: undefined };
      this.watches.set(key, watch);
      this.schedule(key, watch, bankId, operationId);
    }
    watch.listeners.add(listener);
    const own = watch;
    return () => {
      own.listeners.delete(listener);
      if (own.listeners.size === 0) this.stop(key, own);
    };
  }

  private stop(key: string, watch: Watch): void {
    clearTimeout(watch.timer);
    watch.timer = undefined;
    if (this.watches.get(key) === watch) this.watches.delete(key);
  }

  private schedule(key: string, watch: Watch, bankId: string, operationId: string): void {
    watch.timer = setTimeout(async () => {
      const update = await this.read(bankId, operationId);
      if (this.watches.get(key) !== watch) return; // everyone left during the read
      if (update) for (const listener of [...watch.listeners]) listener(update);
      const ended = update && ('gone' in update || isTerminal(update.operation.status));
      if (ended) this.stop(key, watch);
      else if (watch.listeners.size > 0) this.schedule(key, watch, bankId, operationId);
    }, this.pollMs);
  }

  private async read(bankId: string, operationId: string): Promise<OperationUpdate | undefined> {
    try {
      const operation = await this.load(bankId, operationId);
      return { operation, data: JSON.stringify(operation) };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { gone: true };
      this.logger.warn({ err: error, operationId }, 'event stream poll failed; retrying');
      return undefined;
    }
  }
}
