import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { startReceiver } from './receiver.js';

// A receiver that is down must not flood the log: one line per failed attempt, saying which webhook and why.

const FAILED_ATTEMPTS = 3;
const lines: Record<string, unknown>[] = [];
let svc: TestService;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver(FAILED_ATTEMPTS);
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  svc = await startService({
    logger,
    env: { HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: 'true', HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '100' },
  });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

describe('the log of a failing webhook', () => {
  it('has one line per failed attempt with the webhook, the delivery, the attempt and the reason', async () => {
    const bank = uniqueBank('hooklog');
    const hook = await http(svc.url, 'POST', `/v1/default/banks/${bank}/webhooks`, {
      url: receiver.url,
      events: ['operation.completed'],
    });
    expect(hook.status).toBe(201);
    const op = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: documents(2),
      async: true,
    });
    await waitForOperation(svc.url, bank, op.body.operation_id);
    // The retain's own delivery (maintenance operations that follow it have theirs).
    const delivery = await waitFor('the delivery to succeed', async () => {
      const res = await http(svc.url, 'GET', `/v1/default/banks/${bank}/webhooks/${hook.body.id}/deliveries`);
      const mine = res.body.deliveries.find((d: any) => d.operation_id === op.body.operation_id);
      return mine?.status === 'delivered' ? mine : undefined;
    });

    const text = (line: Record<string, unknown>) => JSON.stringify(line);
    const attempts = lines.filter((line) => line.deliveryId === delivery.id);
    expect(attempts.map((line) => line.attempt)).toEqual([1, 2, 3]);
    for (const line of attempts) {
      expect(line).toMatchObject({ reason: 'receiver answered 500', deliveryId: expect.any(String) });
      expect(line.msg).toBe(
        `webhook ${hook.body.id} delivery attempt ${line.attempt} failed: receiver answered 500`,
      );
    }
    // Nothing else about those attempts: no SDK warning with a stack trace and the task token.
    expect(lines.filter((line) => line.msg === 'Activity failed').map(text)).toEqual([]);
    expect(lines.filter((line) => /taskToken/.test(text(line))).map(text)).toEqual([]);
    expect(lines.filter((line) => text(line).includes(delivery.id))).toHaveLength(FAILED_ATTEMPTS);
  });
});
