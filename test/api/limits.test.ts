import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { rawRequest } from './raw-http.js';
import { openEventStream } from './sse.js';

// Without a worker the operation stays pending, so its streams stay open as long as the test needs.
let svc: TestService;
const KEYS = { a: 'key-a-limits', b: 'key-b-limits' };
beforeAll(async () => {
  svc = await startService({
    worker: false,
    env: {
      HINDSIGHT_API_KEYS: `${KEYS.a},${KEYS.b}`,
      HINDSIGHT_MAX_EVENT_STREAMS: '3',
      HINDSIGHT_MAX_EVENT_STREAMS_PER_CLIENT: '2',
      HINDSIGHT_EVENT_STREAM_HEARTBEAT_MS: '300',
      HINDSIGHT_MAX_BODY_BYTES: '100000',
      HINDSIGHT_BODY_TIMEOUT_MS: '3000',
      HINDSIGHT_BODY_MIN_BYTES_PER_SECOND: '0',
    },
  });
});
afterAll(async () => {
  await svc?.stop();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function pendingOperation(bank: string): Promise<string> {
  const res = await http(
    svc.url,
    'POST',
    `/v1/default/banks/${bank}/memories`,
    { items: documents(3), async: true },
    auth(KEYS.a),
  );
  expect(res.status).toBe(202);
  return res.body.operation_id;
}

describe('event stream limits', () => {
  it('refuses a client past its own bound with 429 and the process past its bound with 503, both with Retry-After', async () => {
    const bank = uniqueBank('limits');
    const url = `${svc.url}/v1/default/banks/${bank}/operations/${await pendingOperation(bank)}/events`;
    const a1 = await openEventStream(url, auth(KEYS.a));
    const a2 = await openEventStream(url, auth(KEYS.a));
    expect([a1.response.status, a2.response.status]).toEqual([200, 200]);

    const a3 = await openEventStream(url, auth(KEYS.a));
    expect(a3.response.status).toBe(429);
    expect(a3.response.headers.get('retry-after')).toBe('5');
    const tooMany = (await a3.response.json()) as any;
    expect(tooMany.error.code).toBe('too_many_requests');
    expect(tooMany.error.message).toMatch(/already holds 2 open event streams/);

    // Another key still has room of its own, until the process as a whole is full.
    const b1 = await openEventStream(url, auth(KEYS.b));
    expect(b1.response.status).toBe(200);
    const b2 = await openEventStream(url, auth(KEYS.b));
    expect(b2.response.status).toBe(503);
    expect(b2.response.headers.get('retry-after')).toBe('5');
    expect(((await b2.response.json()) as any).error).toMatchObject({ code: 'unavailable' });
    // A full process still answers a request without a valid key as unauthorized, not as full.
    const stranger = await openEventStream(url, auth('not-a-key'));
    expect(stranger.response.status).toBe(401);

    // A closed stream gives its place back.
    a1.close();
    await expect
      .poll(async () => {
        const again = await openEventStream(url, auth(KEYS.b));
        again.close();
        return again.response.status;
      })
      .toBe(200);
    a2.close();
    b1.close();
  });

  it('sends a ping comment on an idle stream', async () => {
    const bank = uniqueBank('limits');
    const url = `${svc.url}/v1/default/banks/${bank}/operations/${await pendingOperation(bank)}/events`;
    const controller = new AbortController();
    const res = await fetch(url, { headers: auth(KEYS.b), signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const started = Date.now();
    while (!text.includes(': ping') && Date.now() - started < 5_000) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('event: operation'); // the current state first
    expect(text).toContain(': ping\n\n');
  });
});

describe('request bodies', () => {
  it('closes a body that takes longer than the body timeout with 408', async () => {
    const bank = uniqueBank('limits');
    const answer = await rawRequest(svc.url, {
      path: `/v1/default/banks/${bank}/memories`,
      headers: { ...auth(KEYS.a), 'content-type': 'application/json', 'content-length': 1000 },
      chunks: Array.from({ length: 60 }, () => Buffer.from(' ')),
      everyMs: 200,
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'request_timeout' });
    expect(JSON.parse(answer.body).error.message).toMatch(/did not arrive within 3 s/);
    expect(answer.closedAfterMs).toBeLessThan(6_000);
  });

  it('answers 413 to a body over the limit while the client is still writing, and the client reads it', async () => {
    const bank = uniqueBank('limits');
    // 400 KB against a 100 KB limit, in 16 KB pieces over about 2.5 s.
    const chunks = Array.from({ length: 25 }, () => Buffer.alloc(16 * 1024, 0x20));
    const answer = await rawRequest(svc.url, {
      path: `/v1/default/banks/${bank}/memories`,
      headers: { ...auth(KEYS.a), 'content-type': 'application/json', 'content-length': 25 * 16 * 1024 },
      chunks,
      everyMs: 100,
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'payload_too_large' });
    // The server read the rest of the body instead of resetting the connection under the client.
    expect(answer.error).toBeUndefined();
    expect(answer.written).toBe(25 * 16 * 1024);
  });
});

describe('request body pace', () => {
  let slow: TestService;
  beforeAll(async () => {
    slow = await startService({ worker: false }); // the default minimum pace: 1024 bytes/s over 10 s
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('closes a body sent one byte at a time with 408 within one pace window', async () => {
    const bank = uniqueBank('limits');
    const answer = await rawRequest(slow.url, {
      path: `/v1/default/banks/${bank}/memories`,
      headers: { 'content-type': 'application/json', 'content-length': 10_000 },
      chunks: Array.from({ length: 100 }, () => Buffer.from(' ')),
      everyMs: 250,
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body).error.message).toMatch(/below the minimum of 1024 bytes\/s/);
    expect(answer.closedAfterMs).toBeLessThan(12_000);
  }, 30_000);
});
