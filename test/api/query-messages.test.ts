import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ worker: false });
});
afterAll(async () => {
  await svc?.stop();
});

describe('answers to a wrong query or method', () => {
  it('says a whole number that is too big is too big, with the largest allowed', async () => {
    const ops = `/v1/default/banks/${uniqueBank('q')}/operations`;
    const cases: [string, string][] = [
      ['offset=9007199254740991', 'offset: must be at most 100000000'],
      ['offset=100000001', 'offset: must be at most 100000000'],
      ['limit=1000000000', 'limit: must be at most 100'],
      ['limit=101', 'limit: must be at most 100'],
      ['limit=0', 'limit: must be at least 1'],
      ['limit=-1', 'limit: must be a whole number'],
      ['offset=1.5', 'offset: must be a whole number'],
    ];
    for (const [query, message] of cases) {
      const res = await http(svc.url, 'GET', `${ops}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toContain(message);
    }
    expect((await http(svc.url, 'GET', `${ops}?offset=100000000&limit=100`)).status).toBe(200);
  });

  it('answers GET on the recall route with 405 saying to use POST', async () => {
    const res = await fetch(`${svc.url}/v1/default/banks/${uniqueBank('q')}/memories/recall`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('method_not_allowed');
    expect(body.error.message).toContain('POST');
    expect(body.error.message).not.toContain('not found');
  });
});
