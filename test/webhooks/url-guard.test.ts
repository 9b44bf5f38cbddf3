import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../clients/typescript/src/index.js';
import { sendSigned, signPayload } from '../../src/webhooks/send.js';
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
    // IPv4 inside NAT64, 6to4, IPv4-compatible and Teredo addresses is judged like IPv4.
    '64:ff9b::7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b:1:7f00:0:100::',
    '2002:7f00:1::',
    '2002:a9fe:a9fe::1',
    '::7f00:1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
  ])('treats %s as non-public', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
  ])('treats %s as public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses non-public hosts, names the setting that allows them, and accepts them when allowed', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:10.0.0.1]/x',
      'http://10.1.2.3/x',
    ]) {
      await expect(assertWebhookUrl(url, 'public')).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('HINDSIGHT_WEBHOOK_ALLOW_PRIVATE'),
      });
      await expect(assertWebhookUrl(url, 'private')).resolves.toBe(new URL(url).toString());
    }
  });

  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:a9fe:a9fe]/latest',
    'http://100.100.100.200/latest/meta-data',
    'http://[fd00:ec2::254]/latest',
    'http://[fe80::1]/x',
    'http://0.0.0.0/x',
    'http://224.0.0.1/x',
  ])('refuses link-local, metadata and reserved %s whatever the settings', async (url) => {
    for (const networks of ['public', 'loopback', 'private'] as const) {
      await expect(assertWebhookUrl(url, networks)).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('never sent there'),
      });
    }
  });

  it('with loopback allowed, accepts loopback only', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost:3000/hook', 'http://[::1]/hook']) {
      await expect(assertWebhookUrl(url, 'loopback')).resolves.toBe(new URL(url).toString());
    }
    for (const url of ['http://10.1.2.3/x', 'http://192.168.1.1/x', 'http://[fd00::1]/x']) {
      await expect(assertWebhookUrl(url, 'loopback')).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('a private network address'),
      });
    }
  });

  it.each(['http://[64:ff9b::7f00:1]/hook', 'http://[2002:7f00:1::]/hook'])(
    'refuses %s, loopback inside an IPv6 prefix, unless loopback is allowed',
    async (url) => {
      await expect(assertWebhookUrl(url, 'public')).rejects.toMatchObject({
        status: 400,
        message: expect.stringContaining('a loopback address'),
      });
      await expect(assertWebhookUrl(url, 'loopback')).resolves.toBe(url);
      const outcome = await sendSigned({
        url,
        eventId: 'evt-1',
        deliveryId: 'dlv-1',
        event: 'operation.completed',
        body: '{}',
        secret: 'whsec_x',
        networks: 'public',
        timeoutMs: 1_000,
      });
      expect(outcome).toMatchObject({ ok: false, refused: true });
    },
  );

  it('delivers nothing to a refused address, whatever the URL was accepted as', async () => {
    for (const networks of ['public', 'loopback', 'private'] as const) {
      const outcome = await sendSigned({
        url: 'http://169.254.169.254/latest/meta-data',
        eventId: 'evt-1',
        deliveryId: 'dlv-1',
        event: 'operation.completed',
        body: '{}',
        secret: 'whsec_x',
        networks,
        timeoutMs: 1_000,
      });
      expect(outcome).toMatchObject({ ok: false, refused: true });
    }
  });

  it('refuses what is not an http(s) URL', async () => {
    await expect(assertWebhookUrl('not a url', 'private')).rejects.toMatchObject({ status: 400 });
    await expect(assertWebhookUrl('ftp://example.com/x', 'private')).rejects.toMatchObject({
      message: expect.stringContaining('http and https'),
    });
  });

  it('accepts public IP literals', async () => {
    await expect(assertWebhookUrl('https://93.184.216.34/hook', 'public')).resolves.toBe(
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
