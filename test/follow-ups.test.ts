import { afterAll, beforeAll, expect, it } from 'vitest';
import { HindsightClient } from '../clients/typescript/src/index.js';
import { documents, http, waitFor, waitForOperation } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';
import { startReceiver } from './webhooks/receiver.js';

// Every completed retain queues a graph_update and a regenerate_observations of its bank. The answer says
// which operations are such follow-ups and which retain queued them, and a webhook can leave them out.

let svc: TestService;
let everyType: Awaited<ReturnType<typeof startReceiver>>;
let retainsOnly: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  everyType = await startReceiver();
  retainsOnly = await startReceiver();
  svc = await startService({ env: { HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: 'true' } });
});
afterAll(async () => {
  await svc?.stop();
  await everyType?.close();
  await retainsOnly?.close();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;

async function settle(bank: string) {
  await waitFor('the bank to settle', async () => {
    const list = await http(svc.url, 'GET', `${bankPath(bank)}/operations?limit=100`);
    return (
      list.body.operations.length === 3 &&
      list.body.operations.every((o: any) => !['pending', 'running'].includes(o.status))
    );
  });
}

it('marks the follow-ups of a retain with the retain that queued them, in the list, GET and both webhooks', async () => {
  const bank = uniqueBank('follow-ups');
  const hook = (url: string, extra: object = {}) =>
    http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, { url, events: ['operation.completed'], ...extra });
  expect((await hook(everyType.url)).body.operation_types).toBeNull();
  const filtered = await hook(retainsOnly.url, { operation_types: ['batch_retain'] });
  expect(filtered.status).toBe(201);
  expect(filtered.body.operation_types).toEqual(['batch_retain']);

  const submitted = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
    items: documents(5),
    async: true,
  });
  const retainId: string = submitted.body.operation_id;
  expect(submitted.body).toMatchObject({ follow_up: false, triggered_by: null });
  await waitForOperation(svc.url, bank, retainId);
  await settle(bank);

  const list = await http(svc.url, 'GET', `${bankPath(bank)}/operations`);
  const byType = Object.fromEntries(list.body.operations.map((o: any) => [o.type, o]));
  expect(byType.batch_retain).toMatchObject({ follow_up: false, triggered_by: null });
  for (const type of ['graph_update', 'regenerate_observations']) {
    expect(byType[type]).toMatchObject({ status: 'completed', follow_up: true, triggered_by: retainId });
    const one = await http(svc.url, 'GET', `${bankPath(bank)}/operations/${byType[type].operation_id}`);
    expect(one.body).toMatchObject({ follow_up: true, triggered_by: retainId });
  }
  // The client says so in camelCase.
  const client = new HindsightClient({ baseUrl: svc.url });
  const followUp = await client.getOperation({ bankId: bank, operationId: byType.graph_update.operation_id });
  expect(followUp).toMatchObject({ followUp: true, triggeredBy: retainId });

  const seen = (receiver: typeof everyType) =>
    receiver.received
      .map((r) => JSON.parse(r.body).data)
      .filter((op) => op.bank_id === bank)
      .map((op) => op.type)
      .sort();
  await waitFor('three completions delivered', async () => seen(everyType).length === 3);
  expect(seen(everyType)).toEqual(['batch_retain', 'graph_update', 'regenerate_observations']);
  const payloads = everyType.received.map((r) => JSON.parse(r.body).data).filter((op) => op.bank_id === bank);
  expect(payloads.find((op) => op.type === 'graph_update')).toMatchObject({ triggered_by: retainId });
  // The filtered webhook heard of the retain only: its follow-ups were delivered to the other one already.
  await waitFor('the retain delivered', async () => seen(retainsOnly).length >= 1);
  expect(seen(retainsOnly)).toEqual(['batch_retain']);
});

it('changes the operation types of a webhook, and refuses ones that do not exist', async () => {
  const bank = uniqueBank('hook-types');
  const created = await http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, {
    url: everyType.url,
    events: ['operation.completed'],
  });
  const path = `${bankPath(bank)}/webhooks/${created.body.id}`;
  const patched = await http(svc.url, 'PATCH', path, { operation_types: ['graph_update', 'graph_update'] });
  expect(patched.body.operation_types).toEqual(['graph_update']);
  const wrong = await http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, {
    url: everyType.url,
    events: ['operation.completed'],
    operation_types: ['retain'],
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.message).toMatch(/operation_types/);
  const empty = await http(svc.url, 'PATCH', path, { operation_types: [] });
  expect(empty.status).toBe(400);
  expect(empty.body.error.message).toMatch(/at least one operation type/);
  expect((await http(svc.url, 'GET', path)).body.operation_types).toEqual(['graph_update']);
});
