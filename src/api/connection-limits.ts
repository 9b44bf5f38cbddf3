import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { type ApiError, tooMany, unavailable } from '../errors.js';

export interface ConnectionLimitOptions {
  /** What is being held open, for the messages ("event streams"). */
  what: string;
  /** Held at once by the whole process; past it: 503. */
  total: number;
  /** Held at once by one client (API key, or address without keys); past it: 429. */
  perClient: number;
  /** Sent as Retry-After with either refusal. */
  retryAfterSeconds: number;
}

/** A held connection; `release` gives it back (any number of calls, counted once). */
export interface Lease {
  release(): void;
}

/**
 * Counts long-lived requests (event streams, and any waiting request such as a long-poll) for the process and
 * per client, so that one client cannot hold every connection the process can afford. `acquire` answers a
 * lease or throws the refusal in the API's error format (429 for the client's own bound, 503 for the
 * process's), both with Retry-After.
 */
export class ConnectionLimiter {
  private open = 0;
  private readonly byClient = new Map<string, number>();

  constructor(readonly options: ConnectionLimitOptions) {}

  get openCount(): number {
    return this.open;
  }

  /**
   * The refusal `acquire` would throw for this client now, or undefined when it has room. `overTotal: false`
   * asks about the client's own bound only.
   */
  refusal(client: string, { overTotal = true } = {}): ApiError | undefined {
    const { what, total, perClient, retryAfterSeconds } = this.options;
    if ((this.byClient.get(client) ?? 0) >= perClient) {
      return tooMany(
        `this client already holds ${perClient} open ${what}, the most one client may hold: close one, or ` +
          `retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    }
    if (overTotal && this.open >= total) {
      return unavailable(
        `the server holds ${total} open ${what}, the most it serves at once: retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    }
    return undefined;
  }

  acquire(client: string): Lease {
    const refused = this.refusal(client);
    if (refused) throw refused;
    const held = this.byClient.get(client) ?? 0;
    this.open++;
    this.byClient.set(client, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }
}

/**
 * Who a request counts against: its API key when it sends one (as a digest, so keys are never kept), else the
 * address it connects from. Auth runs first, so with keys configured the key is a valid one.
 */
export function clientOf(c: Context): string {
  const bearer = /^Bearer[ \t]+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (bearer) return `key:${createHash('sha256').update(bearer).digest('hex').slice(0, 32)}`;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return `address:${incoming?.socket?.remoteAddress ?? 'unknown'}`;
}
