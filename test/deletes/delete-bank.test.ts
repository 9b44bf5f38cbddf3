import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { rowsOfBank, seedBank } from './seed.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ chunkSize: 5 });
});
afterAll(async () => {
  await svc?.stop();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const retain = (bank: string, n: number) =>
  http(svc.url, 'POST', `${bankPath(bank)}/memories`, { items: documents(n), async: true });

describe('DELETE of a bank', () => {
  it('waits for the retain running into it, refuses new retains, then leaves nothing of the bank', async () => {
    const bank = uniqueBank('doomed');
    const other = uniqueBank('kept');
    await seedBank(svc.db, bank, 20_000);
    await seedBank(svc.db, other, 300);
    const otherBefore = await rowsOfBank(svc.db, other);

    const running = await retain(bank, 200);
    expect(running.status).toBe(202);
    await waitFor('the retain to run', async () => {
      const op = await http(svc.url, 'GET', `${bankPath(bank)}/operations/${running.body.operation_id}`);
      return op.body.status === 'running' ? true : undefined;
    });

    const res = await http(svc.url, 'DELETE', bankPath(bank));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, deleted_count: null });
    const deleteId: string = res.body.operation_id;
    expect(deleteId).toMatch(/^op-/);

    // While the retain runs, the delete waits its turn, and the bank takes no new retain.
    const waiting = await http(svc.url, 'GET', `${bankPath(bank)}/operations/${deleteId}`);
    expect(waiting.body).toMatchObject({ type: 'delete_bank', status: 'pending' });
    const refused = await retain(bank, 1);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`bank ${bank} is being deleted (operation ${deleteId})`);
    // Asking again answers with the same delete.
    expect((await http(svc.url, 'DELETE', bankPath(bank))).body.operation_id).toBe(deleteId);

    const { operation } = await waitForOperation(svc.url, bank, deleteId, 300_000);
    expect(operation.status).toBe('completed');
    expect(operation.progress).toBe(operation.total);
    // 20,000 memories with a link and an entity mention each, at the least.
    expect(operation.total).toBeGreaterThan(60_000);
    expect(operation.result.rows_deleted).toBe(operation.progress);

    const [key] = await svc.db.query<{ id: string }>(
      'SELECT id FROM operations WHERE bank_id = $1 AND type = $2',
      [bank, 'delete_bank'],
    );
    const left = await rowsOfBank(svc.db, bank, key?.id);
    expect(Object.values(left).every((n) => n === 0)).toBe(true);
    expect(await rowsOfBank(svc.db, other)).toEqual(otherBefore);

    // Once deleted, the bank takes work again (a new, empty bank).
    expect((await retain(bank, 1)).status).toBe(202);
  }, 360_000);

  it('answers 404 for a bank that does not exist, and creates nothing', async () => {
    const bank = uniqueBank('never');
    const res = await http(svc.url, 'DELETE', bankPath(bank));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(`bank ${bank} not found`);
    expect((await rowsOfBank(svc.db, bank)).banks).toBe(0);
  });
});
