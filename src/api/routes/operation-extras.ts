import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { operationParams } from '../schemas.js';
import { validate } from '../validate.js';

/**
 * The operations routes of Hindsight 1.1.0 beyond get, list and cancel: retry what failed and delete a finished
 * record. Both answer in the upstream shape (`success`, `message`, `operation_id`); a retry also carries the new
 * operation in ours. 200 rather than 202 for the retry, as the published clients expect.
 */
export function operationExtraRoutes(deps: AppDeps) {
  return new Hono()
    .post('/:operation_id/retry', async (c) => {
      const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
      const operation = await deps.operations.retry(bank_id, operation_id);
      return c.json({
        success: true,
        message: `retrying the ${operation.total} failed items of operation ${operation_id} as operation ${operation.operation_id}`,
        operation_id: operation.operation_id,
        operation,
      });
    })
    .delete('/:operation_id/delete', async (c) => {
      const { bank_id, operation_id } = validate(operationParams, c.req.param(), 'path');
      await deps.operations.deleteRecord(bank_id, operation_id);
      return c.json({
        success: true,
        message: `the record of operation ${operation_id} was deleted; the memories it wrote remain`,
        operation_id,
      });
    });
}
