import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertWebhook } from '../../src/store/webhooks.js';
import { deliveryWorkflowId, webhookEventId } from '../../src/webhooks/ids.js';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { startReceiver } from './receiver.js';

// The default configuration: webhook URLs on private networks are refused.
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ env: { HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '200' } });
});
afterAll(async () => {
  await svc?.stop();
});

const hooks = (bank: string) => `/v1/default/banks/${bank}/webhooks`;
const PUBLIC_URL = 'https://93.184.216.34/hooks/hindsight';

describe('webhook management', () => {
  it('creates, lists, reads, updates and deletes webhooks, never showing a secret after creation', async () => {
    const bank = uniqueBank('crud');
    const created = await http(svc.url, 'POST', hooks(bank), {
      url: PUBLIC_URL,
      events: ['operation.completed'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      bank_id: bank,
      url: PUBLIC_URL,
      events: ['operation.completed'],
      enabled: true,
      has_secret: true,
    });
    expect(created.body.id).toMatch(/^wh-/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
    const id = created.body.id;

    const got = await http(svc.url, 'GET', `${hooks(bank)}/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const { secret: _secret, ...withoutSecret } = created.body;
    expect(got.body).toEqual(withoutSecret);

    const list = await http(svc.url, 'GET', hooks(bank));
    expect(list.body).toEqual({ bank_id: bank, webhooks: [withoutSecret] });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    const patched = await http(svc.url, 'PATCH', `${hooks(bank)}/${id}`, {
      events: ['operation.failed', 'operation.cancelled', 'operation.failed'],
      secret: 'rotated-secret-0123',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.events).toEqual(['operation.failed', 'operation.cancelled']);
    expect(patched.body.secret).toBeUndefined();
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

    const deliveries = await http(svc.url, 'GET', `${hooks(bank)}/${id}/deliveries?limit=5`);
    expect(deliveries.body).toEqual({ webhook_id: id, deliveries: [], total: 0, limit: 5, offset: 0 });

    // Another bank does not see it.
    const other = uniqueBank('crud');
    expect((await http(svc.url, 'GET', `${hooks(other)}/${id}`)).status).toBe(404);
    expect((await http(svc.url, 'DELETE', `${hooks(other)}/${id}`)).status).toBe(404);

    const deleted = await http(svc.url, 'DELETE', `${hooks(bank)}/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await http(svc.url, 'GET', `${hooks(bank)}/${id}`)).body.error.code).toBe('not_found');
    expect((await http(svc.url, 'GET', `${hooks(bank)}/${id}/deliveries`)).status).toBe(404);
  });

  it('rejects bad input with a clear 400 and stores nothing', async () => {
    const bank = uniqueBank('crud');
    const cases: [unknown, RegExp][] = [
      [{ url: 'not a url', events: ['operation.completed'] }, /not an absolute URL/],
      [{ url: 'ftp://example.com/x', events: ['operation.completed'] }, /http and https/],
      [{ url: PUBLIC_URL, events: ['operation.exploded'] }, /events\.0/],
      [{ url: PUBLIC_URL, events: [] }, /at least one event/],
      [{ url: PUBLIC_URL }, /events/],
      [{ url: PUBLIC_URL, events: ['operation.completed'], secret: '' }, /secret/],
      [{ url: PUBLIC_URL, events: ['operation.completed'], secret: 'x' }, /secret: must be at least 16 char/],
      [{ url: 'http://[64:ff9b::7f00:1]/hook', events: ['operation.completed'] }, /loopback address/],
      [{ url: 'http://[2002:7f00:1::]/hook', events: ['operation.completed'] }, /loopback address/],
      [{ url: PUBLIC_URL, events: ['operation.completed'], colour: 'red' }, /colour/],
    ];
    for (const [body, message] of cases) {
      const res = await http(svc.url, 'POST', hooks(bank), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await http(svc.url, 'GET', hooks(bank))).body.webhooks).toEqual([]);
  });

  it('refuses loopback, private and link-local URLs unless the server allows them', async () => {
    const bank = uniqueBank('crud');
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://localhost:9000/hook',
      'http://10.0.0.8/hook',
      'http://192.168.1.20/hook',
      'http://[::1]:9000/hook',
    ]) {
      const res = await http(svc.url, 'POST', hooks(bank), { url, events: ['operation.completed'] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.message).toContain('HINDSIGHT_WEBHOOK_ALLOW_PRIVATE');
    }
    const metadata = await http(svc.url, 'POST', hooks(bank), {
      url: 'http://169.254.169.254/latest/meta-data',
      events: ['operation.completed'],
    });
    expect(metadata.status).toBe(400);
    const ok = await http(svc.url, 'POST', hooks(bank), { url: PUBLIC_URL, events: ['operation.completed'] });
    const patched = await http(svc.url, 'PATCH', `${hooks(bank)}/${ok.body.id}`, {
      url: 'http://127.0.0.1/x',
    });
    expect(patched.status).toBe(400);
    expect((await http(svc.url, 'GET', `${hooks(bank)}/${ok.body.id}`)).body.url).toBe(PUBLIC_URL);
    await http(svc.url, 'DELETE', `${hooks(bank)}/${ok.body.id}`);
  });

  it('never accepts link-local or metadata URLs, and with loopback allowed accepts loopback only', async () => {
    const metadata = { url: 'http://169.254.169.254/latest/meta-data', events: ['operation.completed'] };
    const settings: Record<string, string>[] = [
      { HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true' },
      { HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: 'true' },
    ];
    for (const env of settings) {
      const other = await startService({ env, worker: false });
      try {
        const bank = uniqueBank('networks');
        const refused = await http(other.url, 'POST', hooks(bank), metadata);
        expect(refused.status).toBe(400);
        expect(refused.body.error.message).toMatch(/link-local, cloud metadata or reserved address/);
        const loopback = { url: 'http://127.0.0.1:9000/hook', events: ['operation.completed'] };
        expect((await http(other.url, 'POST', hooks(bank), loopback)).status).toBe(201);
        const lan = { url: 'http://10.0.0.8/hook', events: ['operation.completed'] };
        const expected = env.HINDSIGHT_WEBHOOK_ALLOW_PRIVATE ? 201 : 400;
        expect((await http(other.url, 'POST', hooks(bank), lan)).status).toBe(expected);
      } finally {
        await other.stop();
      }
    }
  });

  it('stops the retries of its pending deliveries when it is deleted', async () => {
    // Retries an hour apart, to a receiver that is down: the delivery waits for its next attempt.
    const other = await startService({
      env: { HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: 'true', HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '3600000' },
    });
    try {
      const bank = uniqueBank('deleted');
      const down = `http://127.0.0.1:${await freePort()}/hook`;
      const hook = await http(other.url, 'POST', hooks(bank), { url: down, events: ['operation.completed'] });
      const op = await http(other.url, 'POST', `/v1/default/banks/${bank}/memories`, {
        items: documents(2),
        async: true,
      });
      await waitForOperation(other.url, bank, op.body.operation_id);
      await waitFor('a failed first attempt', async () => {
        const log = await http(other.url, 'GET', `${hooks(bank)}/${hook.body.id}/deliveries`);
        return log.body.deliveries[0]?.attempts >= 1;
      });
      const eventId = webhookEventId(op.body.operation_id, 'operation.completed');
      const delivery = other.runtime.client.workflow.getHandle(deliveryWorkflowId(hook.body.id, eventId));
      expect((await delivery.describe()).status.name).toBe('RUNNING');

      expect((await http(other.url, 'DELETE', `${hooks(bank)}/${hook.body.id}`)).status).toBe(204);
      await waitFor(
        'the delivery workflow to stop',
        async () => (await delivery.describe()).status.name !== 'RUNNING',
        15_000,
      );
    } finally {
      await other.stop();
    }
  });

  it('checks the address again at delivery time', async () => {
    const receiver = await startReceiver();
    try {
      const bank = uniqueBank('crud');
      // Stored behind the API's back (as if it had been allowed when it was created).
      await insertWebhook(svc.db, {
        id: `wh-direct-${bank}`,
        bankId: bank,
        url: receiver.url,
        events: ['operation.completed'],
        secret: 'whsec_direct',
      });
      const op = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
        items: documents(2),
        async: true,
      });
      await waitForOperation(svc.url, bank, op.body.operation_id);
      const row = await waitFor('the delivery to fail', async () => {
        const res = await http(svc.url, 'GET', `${hooks(bank)}/wh-direct-${bank}/deliveries`);
        return res.body.deliveries.find(
          (d: any) => d.operation_id === op.body.operation_id && d.status === 'failed',
        );
      });
      expect(row.last_error).toMatch(/non-public/);
      expect(row.last_status_code).toBeNull();
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
