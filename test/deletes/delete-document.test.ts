import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { rowsOfBank, seedBank } from './seed.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

const docs = (bank: string) => `/v1/default/banks/${bank}/documents`;

describe('documents', () => {
  it('lists and reads documents, and a delete removes exactly that document with its links', async () => {
    const bank = uniqueBank('docs');
    await seedBank(svc.db, bank, 30, 10); // documents doc0, doc1, doc2 of 10 memories, linked in a chain
    const list = await http(svc.url, 'GET', `${docs(bank)}?limit=2`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, limit: 2, offset: 0, total_is_estimate: false });
    expect(list.body.items).toHaveLength(2);
    const one = await http(svc.url, 'GET', `${docs(bank)}/${bank}-doc1`);
    expect(one.body).toMatchObject({
      id: `${bank}-doc1`,
      bank_id: bank,
      memory_unit_count: 10,
      tags: ['seed'],
    });

    const patched = await http(svc.url, 'PATCH', `${docs(bank)}/${bank}-doc2`, { tags: ['b', 'a'] });
    expect(patched).toMatchObject({ status: 200, body: { success: true } });
    expect((await http(svc.url, 'GET', `${docs(bank)}/${bank}-doc2`)).body.tags).toEqual(['a', 'b']);

    const before = await rowsOfBank(svc.db, bank);
    const res = await http(svc.url, 'DELETE', `${docs(bank)}/${bank}-doc1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, document_id: `${bank}-doc1`, memory_units_deleted: 10 });
    const { operation } = await waitForOperation(svc.url, bank, res.body.operation_id);
    expect(operation).toMatchObject({ type: 'delete_document', status: 'completed' });

    expect((await http(svc.url, 'GET', `${docs(bank)}/${bank}-doc1`)).status).toBe(404);
    const after = await rowsOfBank(svc.db, bank);
    expect(after.memories).toBe(before.memories - 10);
    // doc1 is m10..m19: its 9 inner links and the two that reach it from doc0 and lead on to doc2 are gone.
    expect(after.memory_links).toBe(before.memory_links - 11);
    expect(after.memory_entities).toBe(before.memory_entities - 10);
    expect(after.entities).toBe(before.entities);
    const left = await svc.db.query<{ document_id: string }>(
      'SELECT DISTINCT document_id FROM memories WHERE bank_id = $1 ORDER BY 1',
      [bank],
    );
    expect(left.map((r) => r.document_id)).toEqual([`${bank}-doc0`, `${bank}-doc2`]);
  });

  it('answers bad input with a clear 4xx and changes nothing', async () => {
    const bank = uniqueBank('docs-bad');
    await seedBank(svc.db, bank, 10, 10);
    const before = await rowsOfBank(svc.db, bank);
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `${docs(bank)}?limit=0`, undefined, 400, 'limit'],
      ['GET', `${docs(bank)}/nope`, undefined, 404, `document nope not found in bank ${bank}`],
      ['PATCH', `${docs(bank)}/${bank}-doc0`, { tags: 'a' }, 400, 'tags'],
      ['PATCH', `${docs(bank)}/${bank}-doc0`, { tags: [], colour: 'red' }, 400, 'colour'],
      ['PATCH', `${docs(bank)}/nope`, { tags: [] }, 404, `document nope not found in bank ${bank}`],
      ['DELETE', `${docs(bank)}/nope`, undefined, 404, `document nope not found in bank ${bank}`],
    ];
    for (const [method, path, body, status, says] of cases) {
      const res = await http(svc.url, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.body.error.message).toContain(says);
    }
    expect(await rowsOfBank(svc.db, bank)).toEqual(before);
  });
});
