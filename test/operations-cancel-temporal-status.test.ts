import { afterAll, beforeAll, expect, it } from 'vitest';
import { documents, http, waitFor } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

// Cancelled through the API, an operation's workflow closes as Cancelled in Temporal, the status the Temporal
// UI shows and the one a cancel from the UI itself gives; before, the UI read Completed.

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ bankConcurrency: 1, chunkSize: 10 });
});
afterAll(async () => {
  await svc?.stop();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;

async function start(bank: string, path: string, body: unknown): Promise<string> {
  const res = await http(svc.url, 'POST', `${bankPath(bank)}${path}`, body);
  expect(res.status).toBe(202);
  return res.body.operation_id;
}

/** Cancels through the API, then asks Temporal how the operation's workflow closed. */
async function cancelAndDescribe(bank: string, operationId: string): Promise<string> {
  const cancel = await http(svc.url, 'DELETE', `${bankPath(bank)}/operations/${operationId}`);
  expect([200, 202]).toContain(cancel.status);
  const [row] = await svc.db.query<{ workflow_id: string }>(
    'SELECT workflow_id FROM operations WHERE id = $1',
    [operationId],
  );
  const handle = svc.runtime.client.workflow.getHandle(row!.workflow_id);
  let status = '';
  await waitFor('the workflow to close', async () => {
    status = (await handle.describe()).status.name;
    return status !== 'RUNNING';
  });
  const op = await http(svc.url, 'GET', `${bankPath(bank)}/operations/${operationId}`);
  expect(op.body.status).toBe('cancelled');
  return status;
}

it('closes a running batch retain and pending graph updates and observations as Cancelled', async () => {
  const bank = uniqueBank('cancel-status');
  const retain = await start(bank, '/memories', { items: documents(1_500), async: true });
  await waitFor('the retain to run', async () => {
    const op = await http(svc.url, 'GET', `${bankPath(bank)}/operations/${retain}`);
    return op.body.status === 'running';
  });
  // One operation at a time in this bank: these two wait behind the retain.
  const graph = await start(bank, '/graph/update', {});
  const observations = await start(bank, '/observations/regenerate', {});
  expect(await cancelAndDescribe(bank, graph)).toBe('CANCELLED');
  expect(await cancelAndDescribe(bank, observations)).toBe('CANCELLED');
  expect(await cancelAndDescribe(bank, retain)).toBe('CANCELLED');
});
