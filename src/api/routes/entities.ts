import { Hono } from 'hono';
import { notFound } from '../../errors.js';
import { getEntity, listEntities } from '../../store/entities.js';
import type { AppDeps } from '../deps.js';
import { bankParams, entityParams, pageQuery } from '../schemas.js';
import { validate } from '../validate.js';

export function entityRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const q = validate(pageQuery, c.req.query(), 'query');
      const page = await listEntities(deps.db, bank_id, q.limit, q.offset);
      return c.json({ bank_id, ...page, limit: q.limit, offset: q.offset });
    })
    .get('/:entity_id', async (c) => {
      const { bank_id, entity_id } = validate(entityParams, c.req.param(), 'path');
      const entity = await getEntity(deps.db, bank_id, entity_id);
      if (!entity) throw notFound(`entity ${entity_id} not found in bank ${bank_id}`);
      return c.json(entity);
    });
}
