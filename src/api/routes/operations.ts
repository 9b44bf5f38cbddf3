import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { bankParams, cancelManyBody, listOperationsQuery, operationParams } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

export function operationRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const query = validate(listOperationsQuery, c.req.query(), 'query');
      const { operations, total } = await deps.operations.list({ bankId: bank_id, ...query });
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
      return c.json(await deps.operations.get(bank_id, operation_id));
    })
    .delete('/:operation_id', async (c) => {
      const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
      const { operation, stopping } = await deps.operations.cancel(bank_id, operation_id);
      return c.json(operation, stopping ? 202 : 200);
    });
}
