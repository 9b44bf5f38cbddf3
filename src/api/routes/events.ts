import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { ApiError } from '../../errors.js';
import { isTerminal, type OperationStatus, type OperationView } from '../../operations/types.js';
import type { AppDeps } from '../deps.js';
import { operationParams } from '../schemas.js';
import { validate } from '../validate.js';

// The API and the worker may be separate processes, so the stream polls the operation (the row, plus the
// workflow's live progress while it runs) instead of listening on an in-process bus. Polling every 250 ms
// also coalesces bursts of progress to at most four events a second.
const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;
const RECONNECT_MS = 1_000;

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

export function eventRoutes(deps: AppDeps) {
  return new Hono().get('/:operation_id/events', async (c) => {
    const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
    // Before the stream starts, so an unknown operation is a plain 404.
    const first = await deps.operations.get(bank_id, operation_id);
    const resumeAfter = parseLastEventId(c.req.header('last-event-id'));
    c.header('x-accel-buffering', 'no'); // proxies that buffer would hold events back

    return streamSSE(
      c,
      async (stream) => {
        let lastId = resumeAfter ?? -1;
        let lastData: string | undefined;
        let lastWrite = Date.now();
        let current: OperationView | undefined = first;
        await stream.write(`retry: ${RECONNECT_MS}\n\n`);
        for (;;) {
          if (current) {
            const id = eventIdOf(current);
            const data = JSON.stringify(current);
            // Newer state, or a change that keeps status and progress (a total learnt while running).
            if (id > lastId || (id === lastId && lastData !== undefined && data !== lastData)) {
              await stream.writeSSE({ event: 'operation', id: String(id), data });
              lastId = id;
              lastData = data;
              lastWrite = Date.now();
            }
            if (isTerminal(current.status)) break;
          }
          await stream.sleep(POLL_MS);
          if (stream.aborted || stream.closed) break;
          if (Date.now() - lastWrite > KEEP_ALIVE_MS) {
            await stream.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          try {
            current = await deps.operations.get(bank_id, operation_id);
          } catch (error) {
            if (error instanceof ApiError && error.status === 404) break;
            deps.logger.warn({ err: error, operationId: operation_id }, 'event stream poll failed; retrying');
            current = undefined;
          }
        }
      },
      async (error) => {
        deps.logger.warn({ err: error, operationId: operation_id }, 'event stream ended with an error');
      },
    );
  });
}
