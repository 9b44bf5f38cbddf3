import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  HindsightClient,
  NotFoundError,
  parseWebhookEvent,
  rawJson,
  verifyWebhookSignature,
} from '../../clients/typescript/src/index.js';
import { startService } from '../support/service.js';
import { documents, uniqueBank } from './fixtures.js';
import { type LocalServer, localServer } from './local-server.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

let service: Awaited<ReturnType<typeof startService>>;
let client: HindsightClient;
let receiver: LocalServer;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  // The receiver listens on loopback, which the server refuses unless told otherwise.
  service = await startService({ env: { HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  client = new HindsightClient({ baseUrl: service.url });
  receiver = await localServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    deliveries.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
}, 180_000);

afterAll(async () => {
  await receiver?.close();
  await service?.stop();
}, 60_000);

async function deliveryFor(operationId: string, timeoutMs = 30_000): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = deliveries.find((d) => d.body.includes(operationId));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no webhook delivery for ${operationId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhooks', () => {
  it('configures a webhook and receives signed deliveries that verify', async () => {
    const bankId = uniqueBank('webhooks');
    const secret = 'a-secret-we-chose';

    // Configure webhook for operation completion
    const webhook = await client.configureWebhook({
      bankId,
      url: `${receiver.url}/webhooks/hindsight`,
      events: ['operation.completed', 'operation.failed'],
      secret,
    });
    expect(webhook).toMatchObject({ bankId, enabled: true, hasSecret: true });
    expect(webhook.secret).toBeUndefined();
    expect(webhook.events).toEqual(['operation.completed', 'operation.failed']);

    const operation = await client.retainBatchAsync({ bankId, contents: documents(3) });
    await client.waitForOperation({ bankId, operationId: operation.operationId, pollIntervalMs: 50 });

    const delivery = await deliveryFor(operation.operationId);
    const headers = delivery.headers as Record<string, string>;
    expect(verifyWebhookSignature({ payload: delivery.body, headers, secret })).toBe(true);
    expect(verifyWebhookSignature({ payload: delivery.body, headers, secret: 'wrong' })).toBe(false);
    expect(verifyWebhookSignature({ payload: `${delivery.body} `, headers, secret })).toBe(false);

    const event = parseWebhookEvent(delivery.body);
    expect(event.id).toBe(headers['webhook-id']);
    expect(event.type).toBe('operation.completed');
    expect(event.data).toMatchObject({ operationId: operation.operationId, status: 'completed' });
    expect(event.data.result?.memoryIds?.length).toBeGreaterThan(0);

    const log = await client.listWebhookDeliveries({ bankId, webhookId: webhook.id });
    expect(log.webhookId).toBe(webhook.id);
    const entry = log.deliveries.find((d) => d.operationId === operation.operationId);
    expect(entry).toMatchObject({ eventType: 'operation.completed', eventId: event.id });
  }, 60_000);

  it('lists, reads, updates and deletes webhooks', async () => {
    const bankId = uniqueBank('webhooks-crud');
    const created = await client.configureWebhook({
      bankId,
      url: `${receiver.url}/a`,
      events: ['operation.cancelled'],
    });
    // Without a secret of our own the server makes one and shows it this once.
    expect(created.secret).toEqual(expect.any(String));

    const list = await client.listWebhooks({ bankId });
    expect(list.webhooks.map((w) => w.id)).toEqual([created.id]);
    expect(rawJson(list)).toMatchObject({ bank_id: bankId });

    const fetched = await client.getWebhook({ bankId, webhookId: created.id });
    expect(fetched).not.toHaveProperty('secret');

    const updated = await client.updateWebhook({
      bankId,
      webhookId: created.id,
      url: `${receiver.url}/b`,
      enabled: false,
    });
    expect(updated).toMatchObject({
      url: `${receiver.url}/b`,
      enabled: false,
      events: ['operation.cancelled'],
    });

    await expect(
      client.configureWebhook({ bankId, url: 'not a url', events: ['operation.completed'] }),
    ).rejects.toBeInstanceOf(BadRequestError);

    await client.deleteWebhook({ bankId, webhookId: created.id });
    await expect(client.getWebhook({ bankId, webhookId: created.id })).rejects.toBeInstanceOf(NotFoundError);
    expect((await client.listWebhooks({ bankId })).webhooks).toEqual([]);
  }, 60_000);
});
