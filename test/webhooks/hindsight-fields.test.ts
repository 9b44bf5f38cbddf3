import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { startReceiver } from './receiver.js';

// A webhook registered the way a Hindsight user registers one (`event_types`, `enabled`, `http_config`)
// is delivered with the headers and body fields a receiver written for Hindsight checks.

let svc: TestService;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
  svc = await startService({ env: { HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

const hooksPath = (bank: string) => `/v1/default/banks/${bank}/webhooks`;
const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

describe('webhooks with Hindsight fields', () => {
  it('registers event_types, enabled and http_config and delivers what a Hindsight receiver verifies', async () => {
    const bank = uniqueBank('hs-hooks');
    const secret = 'hindsight-secret-0123';
    const httpConfig = {
      method: 'POST',
      timeout_seconds: 5,
      headers: { 'X-Team': 'memory' },
      params: { source: 'hs' },
    };
    const created = await http(svc.url, 'POST', hooksPath(bank), {
      url: receiver.url,
      secret,
      event_types: ['retain.completed'],
      enabled: true,
      http_config: httpConfig,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      event_types: ['retain.completed'],
      operation_types: ['batch_retain'],
      enabled: true,
      http_config: httpConfig,
    });

    const accepted = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: documents(3),
      async: true,
    });
    const operationId: string = accepted.body.operation_id;
    expect((await waitForOperation(svc.url, bank, operationId)).operation.status).toBe('completed');
    const delivery = await waitFor('the retain delivered', async () =>
      receiver.received.find((r) => JSON.parse(r.body).bank_id === bank),
    );

    const { headers, body } = delivery;
    const event = JSON.parse(body);
    expect(event).toMatchObject({
      event: 'retain.completed',
      bank_id: bank,
      operation_id: operationId,
      status: 'completed',
      type: 'operation.completed',
    });
    expect(event.timestamp).toBe(event.created_at);
    expect(headers['x-hindsight-event']).toBe('retain.completed');
    expect(headers['x-hindsight-event-id']).toBe(event.id);
    expect(headers['x-hindsight-delivery-id']).toMatch(/^dlv-/);
    expect(headers['x-hindsight-signature']).toBe(`sha256=${hmac(secret, body)}`);
    expect(headers['x-hub-signature-256']).toBe(`sha256=${hmac(secret, body)}`);
    const v2 = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-hindsight-signature-v2']));
    expect(v2).not.toBeNull();
    expect(v2![2]).toBe(hmac(secret, `${v2![1]}.${body}`));
    expect(headers['x-team']).toBe('memory');
    expect(new URL(delivery.path, 'http://x').searchParams.get('source')).toBe('hs');

    // Only retains were asked for: the retain's follow-ups (graph update, observations) send nothing.
    const followUps = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations`);
    const others = followUps.body.operations.filter((o: any) => o.type !== 'batch_retain');
    expect(others.length).toBeGreaterThan(0);
    for (const op of others) await waitForOperation(svc.url, bank, op.operation_id ?? op.id);
    const mine = receiver.received.filter((r) => JSON.parse(r.body).bank_id === bank);
    expect(mine.map((r) => JSON.parse(r.body).operation_id)).toEqual([operationId]);
  });

  it('shows our names again once re-subscribed with events, and registers a disabled webhook', async () => {
    const bank = uniqueBank('hs-hooks');
    const created = await http(svc.url, 'POST', hooksPath(bank), {
      url: receiver.url,
      event_types: ['retain.completed', 'consolidation.completed'],
      enabled: false,
    });
    expect(created.body).toMatchObject({
      enabled: false,
      operation_types: ['batch_retain', 'regenerate_observations'],
    });
    const patched = await http(svc.url, 'PATCH', `${hooksPath(bank)}/${created.body.id}`, {
      events: ['operation.failed'],
      operation_types: ['graph_update'],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['operation.failed'],
      event_types: ['operation.failed'],
      operation_types: ['graph_update'],
    });
  });

  it.each([
    [{ event_types: ['retain.completed', 'operation.failed'] }, 'register one webhook for each kind'],
    [
      { event_types: ['memory_defense.triggered'] },
      'memory_defense.triggered is not an event this service sends',
    ],
    [
      { event_types: ['retain.completed'], operation_types: ['graph_update'] },
      'cannot be combined with operation_types',
    ],
    [
      { events: ['operation.failed'], event_types: ['operation.failed'] },
      'give either events or event_types',
    ],
    [{}, 'events: must name at least one event (or give event_types)'],
    [{ events: ['operation.failed'], http_config: { method: 'GET' } }, 'http_config.method: must be POST'],
    [
      { events: ['operation.failed'], http_config: { headers: { 'X-Hindsight-Signature': 'x' } } },
      'is set by every delivery and cannot be replaced',
    ],
    [{ events: ['operation.failed'], http_config: { timeout_seconds: 31 } }, 'must be at most 30'],
  ])('refuses %j with a message that says what to fix, and registers nothing', async (fields, message) => {
    const bank = uniqueBank('hs-hooks');
    const refused = await http(svc.url, 'POST', hooksPath(bank), { url: receiver.url, ...fields });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(message);
    expect((await http(svc.url, 'GET', hooksPath(bank))).body.webhooks).toEqual([]);
  });
});
