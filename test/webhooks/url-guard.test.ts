import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/client/index.js';
import { signPayload } from '../../src/webhooks/send.js';
import { assertWebhookUrl, isPrivateAddress } from '../../src/webhooks/url-guard.js';

describe('webhook URL guard', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
  ])('treats %s as non-public', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'treats %s as public',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it('refuses non-public hosts, names the setting that allows them, and accepts them when allowed', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:10.0.0.1]/x',
    ]) {
      await expect(assertWebhookUrl(url, false)).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('HINDSIGHT_WEBHOOK_ALLOW_PRIVATE'),
      });
      await expect(assertWebhookUrl(url, true)).resolves.toBe(new URL(url).toString());
    }
  });

  it('refuses what is not an http(s) URL', async () => {
    await expect(assertWebhookUrl('not a url', true)).rejects.toMatchObject({ status: 400 });
    await expect(assertWebhookUrl('ftp://example.com/x', true)).rejects.toMatchObject({
      message: expect.stringContaining('http and https'),
    });
  });

  it('accepts public IP literals', async () => {
    await expect(assertWebhookUrl('https://93.184.216.34/hook', false)).resolves.toBe(
      'https://93.184.216.34/hook',
    );
  });
});

describe('delivery signature', () => {
  it('is what the TypeScript client verifies', () => {
    const body = JSON.stringify({ id: 'evt-1', type: 'operation.completed', data: { operation_id: 'op-1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt-1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signPayload('whsec_abc', timestamp, body),
    };
    expect(verifyWebhookSignature({ payload: body, headers, secret: 'whsec_abc' })).toBe(true);
    expect(verifyWebhookSignature({ payload: body, headers, secret: 'whsec_other' })).toBe(false);
  });
});
