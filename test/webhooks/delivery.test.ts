import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../clients/typescript/src/index.js';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { startReceiver } from './receiver.js';

let svc: TestService;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver(2);
  svc = await startService({
    bankConcurrency: 1,
    env: { HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true', HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '200' },
  });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const ALL_EVENTS = ['operation.completed', 'operation.failed', 'operation.cancelled'];

describe('webhook delivery', () => {
  it('delivers every ending, signed, with a stable event id, through a receiver that fails at first', async () => {
    const bank = uniqueBank('hooks');
    const created = await http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, {
      url: receiver.url,
      events: ALL_EVENTS,
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^whsec_/);
    const hookId: string = created.body.id;

    const a = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
      items: documents(20),
      async: true,
    });
    const completed = await waitForOperation(svc.url, bank, a.body.operation_id);
    expect(completed.operation.status).toBe('completed');
    // Queued behind a's follow-ups (one operation at a time in this bank), then cancelled.
    const b = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
      items: documents(500),
      async: true,
    });
    const cancel = await http(svc.url, 'DELETE', `${bankPath(bank)}/operations/${b.body.operation_id}`);
    expect([200, 202]).toContain(cancel.status);
    expect((await waitForOperation(svc.url, bank, b.body.operation_id)).operation.status).toBe('cancelled');

    const accepted = (operationId: string) =>
      receiver.received.filter(
        (r) => r.answered === 200 && JSON.parse(r.body).data.operation_id === operationId,
      );
    await waitFor(
      'both events accepted',
      async () => accepted(a.body.operation_id).length > 0 && accepted(b.body.operation_id).length > 0,
      60_000,
    );

    const mine = receiver.received.filter((r) => JSON.parse(r.body).data.bank_id === bank);
    for (const delivery of mine) {
      expect(
        verifyWebhookSignature({
          payload: delivery.body,
          headers: delivery.headers as Record<string, string>,
          secret,
        }),
      ).toBe(true);
      expect(
        verifyWebhookSignature({
          payload: delivery.body,
          headers: delivery.headers as Record<string, string>,
          secret: 'whsec_wrong',
        }),
      ).toBe(false);
      const event = JSON.parse(delivery.body);
      expect(delivery.headers['webhook-id']).toBe(event.id);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(Object.keys(event)).toEqual([
        'id',
        'type',
        'created_at',
        'data',
        'event',
        'bank_id',
        'operation_id',
        'status',
        'timestamp',
      ]);
      expect(event.type).toBe(`operation.${event.data.status}`);
    }

    // One event id per operation, the same bytes on every attempt, and exactly one accepted delivery of it.
    const byOperation = new Map<string, Set<string>>();
    const bodies = new Map<string, Set<string>>();
    for (const delivery of mine) {
      const event = JSON.parse(delivery.body);
      byOperation.set(
        event.data.operation_id,
        (byOperation.get(event.data.operation_id) ?? new Set()).add(event.id),
      );
      bodies.set(event.id, (bodies.get(event.id) ?? new Set()).add(delivery.body));
    }
    for (const ids of byOperation.values()) expect(ids.size).toBe(1);
    for (const variants of bodies.values()) expect(variants.size).toBe(1);
    for (const opId of [a.body.operation_id, b.body.operation_id]) {
      const ok = accepted(opId);
      expect(ok).toHaveLength(1);
      const event = JSON.parse(ok[0]!.body);
      expect(event.data).toMatchObject({ operation_id: opId, bank_id: bank });
      const attempts = mine.filter((r) => r.headers['webhook-id'] === event.id);
      expect(attempts.map((r) => r.answered)).toEqual([500, 500, 200]);
    }
    const aEvent = JSON.parse(accepted(a.body.operation_id)[0]!.body);
    expect(aEvent.type).toBe('operation.completed');
    expect(aEvent.data).toEqual(completed.operation);
    expect(JSON.parse(accepted(b.body.operation_id)[0]!.body).type).toBe('operation.cancelled');

    // The delivery log shows each attempt.
    const log = await waitFor('delivery log up to date', async () => {
      const res = await http(svc.url, 'GET', `${bankPath(bank)}/webhooks/${hookId}/deliveries`);
      const row = res.body.deliveries.find((d: any) => d.event_id === aEvent.id);
      return row?.status === 'delivered' ? res.body : undefined;
    });
    expect(log.webhook_id).toBe(hookId);
    const row = log.deliveries.find((d: any) => d.event_id === aEvent.id);
    expect(row).toMatchObject({
      event_type: 'operation.completed',
      operation_id: a.body.operation_id,
      status: 'delivered',
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
    });
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(row.delivered_at).toEqual(expect.any(String));
  });

  it('sends nothing to a disabled webhook', async () => {
    const bank = uniqueBank('hooks');
    const created = await http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, {
      url: receiver.url,
      events: ['operation.completed'],
      secret: 'my-own-secret-0123',
    });
    expect(created.body.secret).toBeUndefined(); // a chosen secret is never echoed
    const disabled = await http(svc.url, 'PATCH', `${bankPath(bank)}/webhooks/${created.body.id}`, {
      enabled: false,
    });
    expect(disabled.body.enabled).toBe(false);
    const op = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
      items: documents(3),
      async: true,
    });
    await waitForOperation(svc.url, bank, op.body.operation_id);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.received.filter((r) => JSON.parse(r.body).data.bank_id === bank)).toEqual([]);
    const log = await http(svc.url, 'GET', `${bankPath(bank)}/webhooks/${created.body.id}/deliveries`);
    expect(log.body.deliveries).toEqual([]);
  });
});
