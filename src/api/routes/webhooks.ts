import { Hono } from 'hono';
import { invalid, notFound } from '../../errors.js';
import type { OperationType } from '../../operations/types.js';
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
import { subscriptionOf } from '../../webhooks/upstream-events.js';
import { assertWebhookUrl } from '../../webhooks/url-guard.js';
import type { AppDeps } from '../deps.js';
import { bankParams, pageQuery } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';
import { createWebhookBody, updateWebhookBody, webhookParams } from '../webhook-schemas.js';

const unique = <T>(values: T[]) => [...new Set(values)];

/** `event_types` (Hindsight's names or ours) as the events and operation types the store filters on. */
function subscribe(eventTypes: string[], operationTypes: OperationType[] | null) {
  const subscription = subscriptionOf(eventTypes, operationTypes);
  if (typeof subscription === 'string') throw invalid(`invalid body: event_types: ${subscription}`);
  return subscription;
}

export function webhookRoutes(deps: AppDeps) {
  const networks = deps.config.webhookNetworks;
  const missing = (bankId: string, id: string) => notFound(`webhook ${id} not found in bank ${bankId}`);

  return new Hono()
    .post('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(createWebhookBody, await jsonBody(c.req), 'body');
      const url = await assertWebhookUrl(body.url, networks);
      const operationTypes = body.operation_types ? unique(body.operation_types) : null;
      const subscription = body.event_types
        ? subscribe(body.event_types, operationTypes)
        : { events: unique(body.events!), operationTypes, hindsightNames: null };
      const generated = body.secret == null ? newWebhookSecret() : undefined;
      const row = await insertWebhook(deps.db, {
        id: newWebhookId(),
        bankId: bank_id,
        url,
        events: subscription.events,
        operationTypes: subscription.operationTypes,
        eventTypes: subscription.hindsightNames,
        secret: body.secret ?? generated!,
        enabled: body.enabled,
        httpConfig: body.http_config,
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
      const operationTypes = body.operation_types ? unique(body.operation_types) : undefined;
      const subscription = body.event_types ? subscribe(body.event_types, operationTypes ?? null) : undefined;
      const resubscribed = subscription !== undefined || body.events != null || operationTypes !== undefined;
      const row = await updateWebhook(deps.db, bank_id, webhook_id, {
        url,
        events: subscription?.events ?? (body.events ? unique(body.events) : undefined),
        operationTypes: subscription?.operationTypes ?? operationTypes,
        // Hindsight's names stand only while the subscription is the one they were given for.
        eventTypes: resubscribed ? (subscription?.hindsightNames ?? null) : undefined,
        secret: body.secret ?? undefined,
        enabled: body.enabled ?? undefined,
        httpConfig: body.http_config ?? undefined,
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
