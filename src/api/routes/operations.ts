import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { ConnectionLimiter, clientOf } from '../connection-limits.js';
import type { AppDeps } from '../deps.js';
import { metadataFilter } from '../metadata-filter.js';
import { waitForOperationEnd } from '../operation-wait.js';
import { OperationWatches } from '../operation-watch.js';
import {
  bankParams,
  cancelManyBody,
  getOperationQuery,
  listOperationsQuery,
  operationParams,
} from '../schemas.js';
import { SharedAnswers } from '../shared-answer.js';
import { jsonBody, validate } from '../validate.js';

// Waiting GETs learn of the end from one shared read of the operation every WAIT_POLL_MS (the row, indexed
// by id), so each hears of it within that much of completed_at however many wait, and the store sees one read
// per tick per waited operation, not one per waiter.
const WAIT_POLL_MS = 50;
/** A refused wait may try again this much later. */
const WAIT_RETRY_AFTER_SECONDS = 5;
/** Says whether a waited answer is the operation's end (`true`) or its state when the wait ran out. */
export const ENDED_HEADER = 'operation-ended';

export function operationRoutes(deps: AppDeps) {
  const { limits } = deps.config;
  const waiters = new ConnectionLimiter({
    what: 'waiting requests (GET of an operation with ?wait=)',
    total: limits.maxOperationWaits,
    perClient: limits.maxOperationWaitsPerClient,
    retryAfterSeconds: WAIT_RETRY_AFTER_SECONDS,
  });
  const watches = new OperationWatches(
    (bank, op) => deps.operations.get(bank, op),
    WAIT_POLL_MS,
    deps.logger,
  );
  const answers = new SharedAnswers();

  return new Hono<{ Bindings: HttpBindings }>()
    .get('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const query = validate(listOperationsQuery, c.req.query(), 'query');
      const metadata = metadataFilter(c.req.queries());
      const { operations, total } = await deps.operations.list({ bankId: bank_id, ...query, metadata });
      return c.json({ bank_id, operations, total, limit: query.limit, offset: query.offset });
    })
    .post('/cancel', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      validate(cancelManyBody, await jsonBody(c.req), 'body');
      const cancelled = await deps.operations.cancelPending(bank_id);
      return c.json({ bank_id, cancelled, count: cancelled.length });
    })
    .get('/:operation_id', async (c) => {
      const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
      const { wait } = validate(getOperationQuery, c.req.query(), 'query');
      if (wait === undefined) return c.json(await deps.operations.get(bank_id, operation_id));
      // Refused before the store is read, so refusals cost nothing.
      const lease = waiters.acquire(clientOf(c));
      try {
        const { json, ended } = await waitForOperationEnd({
          first: await watches.current(bank_id, operation_id),
          bankId: bank_id,
          operationId: operation_id,
          waitMs: wait,
          watches,
          reload: () => deps.operations.get(bank_id, operation_id),
          signal: c.req.raw.signal,
        });
        c.header(ENDED_HEADER, String(ended));
        return answers.respond(c, json);
      } finally {
        lease.release();
      }
    })
    .delete('/:operation_id', async (c) => {
      const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
      const { operation, stopping } = await deps.operations.cancel(bank_id, operation_id);
      return c.json(operation, stopping ? 202 : 200);
    });
}
