import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertWebhookSignature, verifyWebhookSignature } from '../../clients/typescript/src/index.js';

const secret = 'whsec-test-secret';
const payload = JSON.stringify({
  type: 'operation.completed',
  data: { operation_id: 'op-1', status: 'completed' },
});

function signedHeaders(body: string, timestamp: number, key = secret): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
  return {
    'webhook-id': 'msg-1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1=${signature}`,
  };
}

const now = () => Math.floor(Date.now() / 1000);

describe('verifyWebhookSignature', () => {
  it('accepts a valid signature, from a plain object or a Headers instance', () => {
    const headers = signedHeaders(payload, now());
    expect(verifyWebhookSignature({ payload, headers, secret })).toBe(true);
    expect(verifyWebhookSignature({ payload, headers: new Headers(headers), secret })).toBe(true);
    const upperCased = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhookSignature({ payload, headers: upperCased, secret })).toBe(true);
  });

  it('accepts any of several signatures (secret rotation)', () => {
    const headers = signedHeaders(payload, now());
    const other = signedHeaders(payload, now(), 'old-secret')['webhook-signature'];
    headers['webhook-signature'] = `${other} ${headers['webhook-signature']}`;
    expect(verifyWebhookSignature({ payload, headers, secret })).toBe(true);
  });

  it('rejects a tampered payload, a wrong secret and a forged signature', () => {
    const headers = signedHeaders(payload, now());
    expect(verifyWebhookSignature({ payload: payload.replace('completed', 'failed'), headers, secret })).toBe(
      false,
    );
    expect(verifyWebhookSignature({ payload, headers, secret: 'another-secret' })).toBe(false);
    expect(
      verifyWebhookSignature({ payload, headers: { ...headers, 'webhook-signature': 'v1=abcd' }, secret }),
    ).toBe(false);
    expect(() => assertWebhookSignature({ payload: `${payload} `, headers, secret })).toThrow(
      /no webhook-signature matches/,
    );
  });

  it('rejects stale and far-future timestamps, honouring toleranceSeconds', () => {
    const stale = signedHeaders(payload, now() - 301);
    expect(verifyWebhookSignature({ payload, headers: stale, secret })).toBe(false);
    expect(() => assertWebhookSignature({ payload, headers: stale, secret })).toThrow(/tolerance 300 s/);
    expect(verifyWebhookSignature({ payload, headers: stale, secret, toleranceSeconds: 600 })).toBe(true);
    expect(verifyWebhookSignature({ payload, headers: signedHeaders(payload, now() + 3600), secret })).toBe(
      false,
    );
  });

  it('rejects deliveries with missing headers', () => {
    const { 'webhook-id': _id, ...withoutId } = signedHeaders(payload, now());
    expect(() => assertWebhookSignature({ payload, headers: withoutId, secret })).toThrow(/webhook-id/);
    expect(verifyWebhookSignature({ payload, headers: {}, secret })).toBe(false);
  });
});
