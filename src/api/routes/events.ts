import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { ConnectionLimitsConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import { isTerminal, type OperationStatus, type OperationView } from '../../operations/types.js';
import { ConnectionLimiter, clientOf, type Lease } from '../connection-limits.js';
import type { AppDeps } from '../deps.js';
import { type OperationUpdate, OperationWatches } from '../operation-watch.js';
import { operationParams } from '../schemas.js';
import { validate } from '../validate.js';

// The API and the worker may be separate processes, so streams poll the operation (the row, plus the
// workflow's live progress while it runs) instead of listening on an in-process bus. Polling every 250 ms
// also coalesces bursts of progress to at most four events a second; one poll serves every stream on the
// operation (OperationWatches).
const POLL_MS = 250;
const RECONNECT_MS = 1_000;
/** A refused stream may try again this much later. */
const RETRY_AFTER_SECONDS = 5;
/** After the terminal event, a client that does not read it is cut off this much later. */
const FLUSH_GRACE_MS = 30_000;

const STATUS_RANK: Record<OperationStatus, number> = {
  pending: 0,
  running: 1,
  completed: 2,
  failed: 2,
  cancelled: 2,
};

/**
 * Event ids grow with the operation's state (status first, then progress), so they are the same on every
 * connection: a client resuming with Last-Event-ID gets only what is newer than what it saw.
 */
export const eventIdOf = (op: OperationView) => STATUS_RANK[op.status] * 1_000_000_000 + op.progress;

function parseLastEventId(header: string | undefined): number | undefined {
  if (!header || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** The bounds on open event streams, shared by the early refusal in front of the app and the route. */
export function eventStreamLimiter(limits: ConnectionLimitsConfig): ConnectionLimiter {
  return new ConnectionLimiter({
    what: 'event streams',
    total: limits.maxEventStreams,
    perClient: limits.maxEventStreamsPerClient,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}

export function eventRoutes(deps: AppDeps, streams: ConnectionLimiter) {
  const { limits } = deps.config;
  const watches = new OperationWatches((bank, op) => deps.operations.get(bank, op), POLL_MS, deps.logger);

  return new Hono<{ Bindings: HttpBindings }>().get('/:operation_id/events', async (c) => {
    const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
    const outgoing = c.env?.outgoing;
    if (!outgoing) throw new Error('event streams are served only by the Node HTTP server');
    // Refused before the store is read, so refusals cost nothing.
    const lease = streams.acquire(clientOf(c));
    let first: OperationView;
    try {
      // Before the stream starts, so an unknown operation is a plain 404.
      first = await watches.current(bank_id, operation_id);
    } catch (error) {
      lease.release();
      throw error;
    }
    serveStream(outgoing, {
      first,
      resumeAfter: parseLastEventId(c.req.header('last-event-id')),
      subscribe: (listener) => watches.subscribe(bank_id, operation_id, listener),
      lease,
      heartbeatMs: limits.eventStreamHeartbeatMs,
      maxBufferBytes: limits.eventStreamMaxBufferBytes,
      logger: deps.logger,
    });
    // Tells @hono/node-server that the route writes the answer on the Node response itself.
    return RESPONSE_ALREADY_SENT;
  });
}

export interface StreamOptions {
  first: OperationView;
  resumeAfter: number | undefined;
  subscribe: (listener: (update: OperationUpdate) => void) => () => void;
  lease: Lease;
  heartbeatMs: number;
  maxBufferBytes: number;
  logger: Logger;
}

/**
 * Writes the stream on the Node response directly, so what a client has not read yet is visible
 * (writableLength) and bounded: past `maxBufferBytes` the client has stopped reading and is dropped.
 */
export function serveStream(out: ServerResponse, options: StreamOptions): void {
  const { first, lease, logger } = options;
  let lastId = options.resumeAfter ?? -1;
  let lastData: string | undefined;
  let unsubscribe: (() => void) | undefined;
  let ended = false;

  const cleanUp = () => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    clearTimeout(heartbeat);
    lease.release();
  };
  const send = (text: string) => {
    if (out.destroyed || out.writableEnded) return;
    // Checked before writing, so one large event (a big batch's terminal state) always goes out; what
    // decides is whether the client is still taking what was sent before.
    if (out.writableLength > options.maxBufferBytes) {
      logger.info(
        { operationId: first.operation_id, buffered: out.writableLength },
        'event stream dropped: its client stopped reading',
      );
      cleanUp();
      out.destroy();
      return;
    }
    out.write(text);
    heartbeat.refresh();
  };
  const finish = () => {
    cleanUp();
    if (out.destroyed || out.writableEnded) return;
    const cutOff = setTimeout(() => out.destroy(), FLUSH_GRACE_MS);
    cutOff.unref();
    out.once('close', () => clearTimeout(cutOff));
    out.end();
  };
  const deliver = (current: OperationView, data = JSON.stringify(current)) => {
    if (ended) return;
    const id = eventIdOf(current);
    // Newer state, or a change that keeps status and progress (a total learnt while running).
    if (id > lastId || (id === lastId && lastData !== undefined && data !== lastData)) {
      send(`event: operation\nid: ${id}\ndata: ${data}\n\n`);
      lastId = id;
      lastData = data;
    }
    if (isTerminal(current.status)) finish();
  };
  // A comment line every heartbeat while nothing else is sent keeps proxies and clients from timing out.
  const heartbeat: NodeJS.Timeout = setTimeout(function ping() {
    send(': ping\n\n');
    heartbeat.refresh();
  }, options.heartbeatMs);
  heartbeat.unref();

  out.on('close', cleanUp);
  out.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // proxies that buffer would hold events back
  });
  send(`retry: ${RECONNECT_MS}\n\n`);
  deliver(first);
  if (ended) return;
  unsubscribe = options.subscribe((update) => {
    if ('gone' in update) finish();
    else deliver(update.operation, update.data);
  });
}
