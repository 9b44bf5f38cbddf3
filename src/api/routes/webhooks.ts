import { Hono } from 'hono';
import { notFound } from '../../errors.js';
import {
  deleteWebhook,
  getWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  toWebhookView,
  updateWebhook,
} from '../../store/webhooks.js';
import { deliveryWorkflowId, newWebhookId, newWebhookSecret } from '../../webhooks/ids.js';
import { assertWebhookUrl } from '../../webhooks/url-guard.js';
import type { AppDeps } from '../deps.js';
import { bankParams, pageQuery } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';
import { createWebhookBody, updateWebhookBody, webhookParams } from '../webhook-schemas.js';

const unique = <T>(values: T[]) => [...new Set(values)];

export function webhookRoutes(deps: AppDeps) {
  const networks = deps.config.webhookNetworks;
  const missing = (bankId: string, id: string) => notFound(`webhook ${id} not found in bank ${bankId}`);

  return new Hono()
    .post('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(createWebhookBody, await jsonBody(c.req), 'body');
      const url = await assertWebhookUrl(body.url, networks);
      const generated = body.secret === undefined ? newWebhookSecret() : undefined;
      const row = await insertWebhook(deps.db, {
        id: newWebhookId(),
        bankId: bank_id,
        url,
        events: unique(body.events),
        operationTypes: body.operation_types ? unique(body.operation_types) : null,
        secret: body.secret ?? generated!,
      });
      // A generated secret is shown once, here; a secret the caller chose is never sent back.
      return c.json(generated ? { ...toWebhookView(row), secret: generated } : toWebhookView(row), 201);
    })
    .get('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const rows = await listWebhooks(deps.db, bank_id);
      return c.json({ bank_id, webhooks: rows.map(toWebhookView) });
    })
    .get('/:webhook_id', async (c) => {
      const { bank_id, webhook_id } = validate(webhookParams, c.req.param(), 'path');
      const row = await getWebhook(deps.db, bank_id, webhook_id);
      if (!row) throw missing(bank_id, webhook_id);
      return c.json(toWebhookView(row));
    })
    .patch('/:webhook_id', async (c) => {
      const { bank_id, webhook_id } = validate(webhookParams, c.req.param(), 'path');
      const body = validate(updateWebhookBody, await jsonBody(c.req), 'body');
      if (!(await getWebhook(deps.db, bank_id, webhook_id))) throw missing(bank_id, webhook_id);
      const url = body.url ? await assertWebhookUrl(body.url, networks) : undefined;
      const row = await updateWebhook(deps.db, bank_id, webhook_id, {
        url,
        events: body.events ? unique(body.events) : undefined,
        operationTypes: body.operation_types ? unique(body.operation_types) : undefined,
        secret: body.secret ?? undefined,
        enabled: body.enabled ?? undefined,
      });
      if (!row) throw missing(bank_id, webhook_id);
      return c.json(toWebhookView(row));
    })
    .delete('/:webhook_id', async (c) => {
      const { bank_id, webhook_id } = validate(webhookParams, c.req.param(), 'path');
      const pending = await deleteWebhook(deps.db, bank_id, webhook_id);
      if (!pending) throw missing(bank_id, webhook_id);
      // Its deliveries still retrying stop now, not at their next attempt (up to an hour away).
      await deps.operations.cancelWorkflows(
        pending.map((eventId) => deliveryWorkflowId(webhook_id, eventId)),
      );
      return c.body(null, 204);
    })
    .get('/:webhook_id/deliveries', async (c) => {
      const { bank_id, webhook_id } = validate(webhookParams, c.req.param(), 'path');
      const q = validate(pageQuery, c.req.query(), 'query');
      if (!(await getWebhook(deps.db, bank_id, webhook_id))) throw missing(bank_id, webhook_id);
      const page = await listDeliveries(deps.db, webhook_id, q.limit, q.offset);
      return c.json({ webhook_id, ...page, limit: q.limit, offset: q.offset });
    });
}
