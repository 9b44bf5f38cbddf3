import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Who uses the embedded store next. PGlite runs on this thread and answers through promises alone, so
 * back-to-back transactions (retain chunks whose documents are already extracted) would pass its lock from
 * one to the next in microtasks, and sockets, timers and worker messages would wait until none is left.
 * Here every hand-over waits for the next turn of the event loop, and single statements (an API read, a
 * status update) go before waiting transactions, which hold the store for a whole write batch.
 */
export class StoreTurns {
  private busy = false;
  private readonly statements: (() => void)[] = [];
  private readonly transactions: (() => void)[] = [];

  async run<T>(kind: 'statement' | 'transaction', work: () => Promise<T>): Promise<T> {
    if (this.busy) {
      await new Promise<void>((resolve) =>
        (kind === 'statement' ? this.statements : this.transactions).push(resolve),
      );
    }
    this.busy = true;
    try {
      return await work();
    } finally {
      void this.handOver();
    }
  }

  private async handOver(): Promise<void> {
    await nextTurn();
    const next = this.statements.shift() ?? this.transactions.shift();
    if (next) next();
    else this.busy = false;
  }
}
