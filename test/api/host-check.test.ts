import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackBind } from '../../src/api/host-check.js';
import { startService, type TestService } from '../support/service.js';

// A keyless server on loopback (the default install) answers only requests addressed to a loopback name, so
// a web page that rebinds its own name to 127.0.0.1 cannot use the API.

let open: TestService;
let allowing: TestService;
let keyed: TestService;
beforeAll(async () => {
  [open, allowing, keyed] = await Promise.all([
    startService({ worker: false }),
    startService({ worker: false, env: { HINDSIGHT_ALLOWED_HOSTS: 'memory.lan, Other.Lan' } }),
    startService({ worker: false, env: { HINDSIGHT_API_KEYS: 'host-check-key-0123456789' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), allowing?.stop(), keyed?.stop()]);
});

/** GET with a Host header of our choosing, as a browser sends the page's own name. */
function getWithHost(
  base: string,
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

const OPS = '/v1/default/banks/host-check/operations';

describe('the Host check of a keyless loopback server', () => {
  it('refuses a request addressed to another name with 403 and says how to allow it', async () => {
    for (const host of ['evil.example:8888', 'evil.example', 'localhost.evil.example', '10.0.0.5:8888']) {
      const res = await getWithHost(open.url, OPS, host);
      expect(res.status, host).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toContain('HINDSIGHT_ALLOWED_HOSTS');
      expect(res.body.error.message).toContain(host);
    }
    const webhook = await getWithHost(open.url, '/v1/default/banks/host-check/webhooks', 'evil.example');
    expect(webhook.status).toBe(403);
  });

  it('answers loopback names with any port', async () => {
    for (const host of [
      'localhost:8888',
      'LOCALHOST',
      'app.localhost:3000',
      '127.0.0.1:1',
      '127.1.2.3',
      '[::1]:8888',
    ]) {
      expect((await getWithHost(open.url, OPS, host)).status, host).toBe(200);
    }
  });

  it('keeps /health reachable for probes that send their own name', async () => {
    expect((await getWithHost(open.url, '/health', 'api.internal:8888')).status).toBe(200);
  });

  it('answers the names HINDSIGHT_ALLOWED_HOSTS lists, whatever their case, and no others', async () => {
    expect((await getWithHost(allowing.url, OPS, 'memory.lan:8888')).status).toBe(200);
    expect((await getWithHost(allowing.url, OPS, 'other.lan')).status).toBe(200);
    expect((await getWithHost(allowing.url, OPS, 'evil.example')).status).toBe(403);
  });

  it('does not check the name when API keys are set: a page cannot present a key', async () => {
    const res = await getWithHost(keyed.url, OPS, 'memory.example.com', {
      authorization: 'Bearer host-check-key-0123456789',
    });
    expect(res.status).toBe(200);
  });

  it('applies only to a loopback bind: bound elsewhere, names are for the operator', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])
      expect(isLoopbackBind(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'api.internal'])
      expect(isLoopbackBind(host)).toBe(false);
  });
});
