import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { http } from '../support/http.js';
import { startService, type TestService } from '../support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({
    worker: false,
    env: { HINDSIGHT_API_KEYS: 'admin-key-0123456789,team-key-abcdef:bank-a|bank-b' },
  });
});
afterAll(async () => {
  await svc?.stop();
});

const ops = (bank: string) => `/v1/default/banks/${bank}/operations`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  it('leaves /health open', async () => {
    expect((await http(svc.url, 'GET', '/health')).status).toBe(200);
  });

  it('serves the API reference without a key, so its own key field can be used', async () => {
    const doc = await http(svc.url, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    const page = await fetch(`${svc.url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('docs/swagger-ui-bundle.js');
    const script = await fetch(`${svc.url}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it('answers 401 without a key, with a clear message and a Bearer challenge', async () => {
    for (const path of [ops('bank-a'), '/metrics', '/v1/default/banks/x/no-such-route']) {
      const res = await fetch(`${svc.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toContain('Authorization: Bearer');
    }
  });

  it('answers 401 for a wrong key, a malformed header, or a key that merely starts like a real one', async () => {
    for (const headers of [
      bearer('wrong-key'),
      bearer('admin-key-012345678'),
      bearer('admin-key-0123456789x'),
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'admin-key-0123456789' },
    ]) {
      const res = await http(svc.url, 'GET', ops('bank-a'), undefined, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(JSON.stringify(res.body)).not.toContain('admin-key-0123456789');
    }
  });

  it('lets a full key reach every bank and the service endpoints', async () => {
    for (const path of [ops('bank-a'), ops('bank-z'), '/metrics', '/openapi.json', '/docs']) {
      expect((await http(svc.url, 'GET', path, undefined, bearer('admin-key-0123456789'))).status, path).toBe(
        200,
      );
    }
    // The scheme is case-insensitive.
    const lower = await http(svc.url, 'GET', ops('bank-a'), undefined, {
      authorization: 'bearer admin-key-0123456789',
    });
    expect(lower.status).toBe(200);
  });

  it('answers 403 when a key limited to some banks asks for another', async () => {
    expect((await http(svc.url, 'GET', ops('bank-a'), undefined, bearer('team-key-abcdef'))).status).toBe(
      200,
    );
    expect((await http(svc.url, 'GET', ops('bank-b'), undefined, bearer('team-key-abcdef'))).status).toBe(
      200,
    );
    const denied = await http(svc.url, 'GET', ops('bank-c'), undefined, bearer('team-key-abcdef'));
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual({
      code: 'forbidden',
      message: 'this API key may not access bank bank-c',
    });
    const write = await http(
      svc.url,
      'POST',
      `/v1/default/banks/bank-c/memories`,
      { items: [{ content: 'x' }] },
      bearer('team-key-abcdef'),
    );
    expect(write.status).toBe(403);
  });

  it('works through the TypeScript client', async () => {
    const client = new HindsightClient({ baseUrl: svc.url, apiKey: 'team-key-abcdef' });
    const list = await client.listOperations({ bankId: 'bank-a' });
    expect(list.total).toBe(0);
    await expect(client.listOperations({ bankId: 'bank-c' })).rejects.toMatchObject({ status: 403 });
    const anonymous = new HindsightClient({ baseUrl: svc.url });
    await expect(anonymous.listOperations({ bankId: 'bank-a' })).rejects.toMatchObject({ status: 401 });
  });
});
