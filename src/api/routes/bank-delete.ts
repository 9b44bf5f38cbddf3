import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { bankParams } from '../schemas.js';
import { validate } from '../validate.js';

/** DELETE of a bank: accepted as a delete_bank operation, which the answer names so a caller can follow it. */
export function bankDeleteRoutes(deps: AppDeps) {
  return new Hono().delete('/', async (c) => {
    const { bank_id } = validate(bankParams, c.req.param(), 'path');
    const { operation } = await deps.operations.submitDeleteBank(bank_id);
    return c.json({
      success: true,
      message: `bank ${bank_id} is being deleted by operation ${operation.operation_id}`,
      deleted_count: null,
      operation_id: operation.operation_id,
    });
  });
}
