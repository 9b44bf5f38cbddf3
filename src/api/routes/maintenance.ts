import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import { bankParams, graphUpdateBody, regenerateObservationsBody } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

/** graph_update and regenerate_observations on demand, with the caller's parameters. */
export function maintenanceRoutes(deps: AppDeps) {
  return new Hono()
    .post('/graph/update', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(graphUpdateBody, await jsonBody(c.req), 'body');
      const { operation } = await deps.operations.submitMaintenance(
        bank_id,
        'graph_update',
        { full_rebuild: body.full_rebuild ?? false },
        body.operation_id,
        body.metadata,
      );
      return c.json(operation, 202);
    })
    .post('/observations/regenerate', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(regenerateObservationsBody, await jsonBody(c.req), 'body');
      const params = body.entity_ids ? { entity_ids: [...new Set(body.entity_ids)].sort() } : {};
      const { operation } = await deps.operations.submitMaintenance(
        bank_id,
        'regenerate_observations',
        params,
        body.operation_id,
        body.metadata,
      );
      return c.json(operation, 202);
    });
}
