import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, operationPath } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

const PER_CLIENT = 25;

let svc: TestService;
beforeAll(async () => {
  // Small chunks, one at a time: a batch runs for a few seconds, long enough to wait on.
  svc = await startService({
    chunkSize: 5,
    chunkConcurrency: 1,
    bankConcurrency: 1,
    env: { HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT: String(PER_CLIENT) },
  });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(bank: string, n: number) {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
    items: documents(n),
    async: true,
  });
  expect(res.status).toBe(202);
  return res.body.operation_id as string;
}

async function waitGet(bank: string, op: string, wait: string) {
  const res = await fetch(`${svc.url}${operationPath(bank, op)}?wait=${encodeURIComponent(wait)}`);
  return {
    status: res.status,
    ended: res.headers.get('operation-ended'),
    res,
    body: (await res.json()) as any,
    at: Date.now(),
  };
}

describe('GET /operations/{id}?wait=', () => {
  it('holds every waiter until the batch ends and answers each with its final state', async () => {
    const bank = uniqueBank('wait');
    const op = await submit(bank, 300);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => waitGet(bank, op, '60s')));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.ended).toBe('true');
      expect(answer.body).toMatchObject({ operation_id: op, status: 'completed', progress: 300 });
      // Answered on the end, not at the wait's bound and not at once.
      const afterEnd = answer.at - Date.parse(answer.body.completed_at);
      expect(afterEnd).toBeGreaterThanOrEqual(-50);
      expect(afterEnd).toBeLessThan(1_000);
    }
    expect(Math.min(...answers.map((a) => a.at)) - started).toBeGreaterThan(500);
  });

  it('answers waiters in the encoding each asks for, with the same final state for all', async () => {
    const bank = uniqueBank('wait-encodings');
    const op = await submit(bank, 200);
    const url = `${svc.url}${operationPath(bank, op)}?wait=60s`;
    const asks = ['br', 'gzip', 'identity', 'br', 'gzip', 'identity'];
    const answers = await Promise.all(
      asks.map(async (encoding) => {
        const res = await fetch(url, { headers: { 'accept-encoding': encoding } });
        return { encoding, sent: res.headers.get('content-encoding'), body: (await res.json()) as any };
      }),
    );
    for (const answer of answers) {
      // 200 memory ids make the answer large enough to be worth compressing.
      expect(answer.sent).toBe(answer.encoding === 'identity' ? null : answer.encoding);
      expect(answer.body).toEqual(answers[0]!.body);
    }
    expect(answers[0]!.body).toMatchObject({ operation_id: op, status: 'completed' });
    expect(answers[0]!.body.result.memory_ids).toHaveLength(200);
  });

  it('answers the current state, not ended, when the wait runs out first', async () => {
    const bank = uniqueBank('wait-short');
    const op = await submit(bank, 400);
    const asked = Date.now();
    const answer = await waitGet(bank, op, '0.6');
    expect(answer.status).toBe(200);
    expect(answer.ended).toBe('false');
    expect(['pending', 'running']).toContain(answer.body.status);
    expect(answer.at - asked).toBeGreaterThanOrEqual(550);
    expect(answer.at - asked).toBeLessThan(3_000);
    // An operation that has ended answers at once.
    const end = await waitGet(bank, op, '60');
    const again = Date.now();
    const ended = await waitGet(bank, op, '60s');
    expect(end.body.status).toBe('completed');
    expect(ended.ended).toBe('true');
    expect(ended.at - again).toBeLessThan(500);
  });

  it('refuses bad wait values with a 400 that says what to send', async () => {
    const bank = uniqueBank('wait-bad');
    const op = await submit(bank, 5);
    for (const bad of ['soon', '-1', '30m', '1e3', '', '61s', '60.5', '100']) {
      const answer = await waitGet(bank, op, bad);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.message).toMatch(
        /wait: must be a number of seconds up to 60, such as 30 or 30s/,
      );
    }
    const unknown = await waitGet(bank, 'op-does-not-exist', '1');
    expect(unknown.status).toBe(404);
  });

  it('answers 429 with Retry-After past the waits one client may hold, and frees them when they end', async () => {
    const bank = uniqueBank('wait-bound');
    const op = await submit(bank, 400);
    // Sent together: whichever arrive first are held, the rest are refused at once.
    const asked = Date.now();
    const answers = await Promise.all(Array.from({ length: PER_CLIENT + 5 }, () => waitGet(bank, op, '3s')));
    const held = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(held).toHaveLength(PER_CLIENT);
    expect(refused).toHaveLength(5);
    for (const answer of refused) {
      expect(answer.at - asked).toBeLessThan(2_500);
      expect(answer.res.headers.get('retry-after')).toBe('5');
      expect(answer.body.error.message).toMatch(
        new RegExp(`already holds ${PER_CLIENT} open waiting requests`),
      );
    }
    // A plain GET is not a wait and is never refused.
    expect((await http(svc.url, 'GET', operationPath(bank, op))).status).toBe(200);
    // The held waits ended, so their places are free again.
    expect((await waitGet(bank, op, '0.1')).status).toBe(200);
  });
});
