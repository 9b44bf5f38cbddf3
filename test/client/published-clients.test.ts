import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { installPublishedClient, PUBLISHED } from './published-package.js';
import { type PublishedRow, publishedClientTable } from './published-table.js';

// Every method of the published TypeScript client, installed from the registry as a user would (pinned),
// against a live service over real HTTP. What each call must do is what docs/API.md's table says: `served`
// methods answer what the client parses with the fields a user reads right, `501` ones fail with 501.

type Any = any;
let api: TestService;
let published: Any;
let client: Any;
let raw: Any;
let bank: string;
let memoryIds: string[] = [];

beforeAll(async () => {
  published = await installPublishedClient();
  api = await startService({ worker: false });
  client = new published.HindsightClient({ baseUrl: api.url });
  raw = published.createClient(published.createConfig({ baseUrl: api.url }));
  bank = uniqueBank('published');
  const retained = await client.retainBatch(bank, [
    { content: 'Alice flew to Paris in May.' },
    { content: 'Bob took the train to Rome.' },
  ]);
  memoryIds = retained.memory_ids;
}, 300_000);

afterAll(async () => {
  await api?.stop();
}, 60_000);

/** A generated-API call: the answer's status, and its parsed body. */
async function sdk(name: string, options: Record<string, unknown> = {}) {
  const res = await published.sdk[name]({ client: raw, path: { bank_id: bank }, ...options });
  return { status: res.response.status as number, data: res.data, error: res.error };
}

/** What each method does when served, and what the user reads from it. */
const served: Record<string, () => Promise<void>> = {
  getVersion: async () => expect((await client.getVersion()).api_version).toMatch(/^\d+\.\d+\.\d+/),
  retain: async () => {
    const r = await client.retain(bank, 'Carol visited Berlin.');
    expect(r).toMatchObject({ success: true, bank_id: bank, items_count: 1, async: false });
  },
  retainBatch: async () => {
    const r = await client.retainBatch(bank, [
      { content: 'Dan met Eve.' },
      { content: 'Eve moved to Oslo.' },
    ]);
    expect(r).toMatchObject({ success: true, items_count: 2 });
  },
  recall: async () => {
    const r = await client.recall(bank, 'Where did Alice fly?');
    expect(r.results[0]).toMatchObject({ id: memoryIds[0], text: 'Alice flew to Paris in May.' });
  },
  listMemories: async () => {
    const r = await client.listMemories(bank, { limit: 1, q: 'rome' });
    expect(r).toMatchObject({ total: 1, limit: 1, offset: 0 });
    expect(r.items[0].text).toBe('Bob took the train to Rome.');
  },
  createBank: async () => {
    const r = await client.createBank(bank, {
      name: 'Travel',
      disposition: { skepticism: 4, literalism: 2, empathy: 5 },
    });
    expect(r).toMatchObject({
      bank_id: bank,
      name: 'Travel',
      disposition: { skepticism: 4, literalism: 2, empathy: 5 },
    });
  },
  setMission: async () =>
    expect((await client.setMission(bank, 'Remember trips')).mission).toBe('Remember trips'),
  getBankProfile: async () => {
    await client.createBank(bank, { name: 'Travel' });
    expect(await client.getBankProfile(bank)).toMatchObject({ bank_id: bank, name: 'Travel' });
  },
  getBankConfig: async () => {
    const r = await client.getBankConfig(bank);
    expect(r.bank_id).toBe(bank);
    expect(r.config).toHaveProperty('reflect_mission');
  },
  updateBankConfig: async () => {
    const r = await client.updateBankConfig(bank, { retainChunkSize: 700, dispositionEmpathy: 2 });
    expect(r.overrides).toMatchObject({ retain_chunk_size: 700, disposition_empathy: 2 });
  },
  resetBankConfig: async () => expect((await client.resetBankConfig(bank)).overrides).toEqual({}),
  'sdk.listBanks': async () => {
    await client.createBank(bank, { name: 'Travel' });
    const r = await sdk('listBanks', { path: {} });
    expect(r.data.banks.find((b: Any) => b.bank_id === bank)).toMatchObject({ name: 'Travel' });
  },
  'sdk.updateBank': async () => {
    await client.createBank(bank, {});
    expect((await sdk('updateBank', { body: { name: 'Renamed' } })).data.name).toBe('Renamed');
  },
  'sdk.updateBankDisposition': async () => {
    const body = { disposition: { skepticism: 1, literalism: 1, empathy: 1 } };
    expect((await sdk('updateBankDisposition', { body })).data.disposition).toEqual(body.disposition);
  },
  'sdk.getAgentStats': async () => {
    const r = await sdk('getAgentStats');
    expect(r.data.total_nodes).toBeGreaterThanOrEqual(2);
    expect(r.data.operations_by_status).toHaveProperty('pending');
  },
  'sdk.clearBankMemories': async () => {
    const other = uniqueBank('clear');
    await client.retain(other, 'Gone soon.');
    const r = await sdk('clearBankMemories', { path: { bank_id: other } });
    expect(r.data).toMatchObject({ success: true, deleted_count: 1 });
  },
  'sdk.getMemory': async () => {
    const r = await sdk('getMemory', { path: { bank_id: bank, memory_id: memoryIds[1] } });
    expect(r.data.text).toBe('Bob took the train to Rome.');
  },
  'sdk.listEntities': async () => expect((await sdk('listEntities')).data.entities.length).toBeGreaterThan(0),
  'sdk.getEntity': async () => {
    const [entity] = (await sdk('listEntities')).data.entities;
    const r = await sdk('getEntity', { path: { bank_id: bank, entity_id: entity.id } });
    expect(r.data.name).toBe(entity.name);
  },
  'sdk.listOperations': async () => expect((await sdk('listOperations')).status).toBe(200),
  'sdk.getOperationStatus': async () => {
    const accepted = await client.retainBatch(bank, [{ content: 'Later.' }], { async: true });
    const r = await sdk('getOperationStatus', {
      path: { bank_id: bank, operation_id: accepted.operation_id },
    });
    expect(r.data.status).toBe('pending');
  },
  'sdk.cancelOperation': async () => {
    const accepted = await client.retainBatch(bank, [{ content: 'Cancelled.' }], { async: true });
    const r = await sdk('cancelOperation', { path: { bank_id: bank, operation_id: accepted.operation_id } });
    expect(r.data.status).toBe('cancelled');
  },
  'sdk.retryOperation': async () => {
    // Without a worker nothing fails: the route answers why there is nothing to retry, and changes nothing.
    const accepted = await client.retainBatch(bank, [{ content: 'Retried.' }], { async: true });
    const path = { bank_id: bank, operation_id: accepted.operation_id };
    const r = await sdk('retryOperation', { path });
    expect(r.status).toBe(409);
    expect(r.error.error.message).toContain('retry it once it has ended');
  },
  'sdk.deleteOperation': async () => {
    const accepted = await client.retainBatch(bank, [{ content: 'Forgotten.' }], { async: true });
    const path = { bank_id: bank, operation_id: accepted.operation_id };
    await sdk('cancelOperation', { path });
    expect((await sdk('deleteOperation', { path })).data).toMatchObject({ success: true });
    expect((await sdk('getOperationStatus', { path })).status).toBe(404);
  },
  'sdk.listWebhooks': async () =>
    expect((await sdk('listWebhooks')).data.webhooks).toEqual(expect.any(Array)),
  'sdk.createWebhook': async () => {
    // Hindsight's own fields, as a user of it registers a webhook.
    const body = {
      url: 'https://93.184.216.34/hook',
      event_types: ['retain.completed'],
      enabled: false,
      http_config: { timeout_seconds: 5, headers: { 'X-Team': 'memory' } },
    };
    const r = await sdk('createWebhook', { body });
    expect(r.status).toBe(201);
    expect(r.data).toMatchObject({ event_types: ['retain.completed'], enabled: false });
  },
  'sdk.updateWebhook': async () => {
    const body = { url: 'https://93.184.216.34/hook', events: ['operation.failed'] };
    const { data } = await sdk('createWebhook', { body });
    const r = await sdk('updateWebhook', {
      path: { bank_id: bank, webhook_id: data.id },
      body: { enabled: false },
    });
    expect(r.data.enabled).toBe(false);
  },
  'sdk.deleteWebhook': async () => {
    const body = { url: 'https://93.184.216.34/hook', events: ['operation.failed'] };
    const { data } = await sdk('createWebhook', { body });
    expect((await sdk('deleteWebhook', { path: { bank_id: bank, webhook_id: data.id } })).status).toBe(204);
  },
  'sdk.listWebhookDeliveries': async () => {
    const body = { url: 'https://93.184.216.34/hook', events: ['operation.failed'] };
    const { data } = await sdk('createWebhook', { body });
    const r = await sdk('listWebhookDeliveries', { path: { bank_id: bank, webhook_id: data.id } });
    expect(r.data.deliveries).toEqual([]);
  },
  deleteBank: async () => {
    const other = uniqueBank('deleted');
    await client.retain(other, 'Soon gone.');
    await client.deleteBank(other);
    // The delete runs as an operation (no worker here, so it stays pending): the bank takes no new work.
    await expect(client.retain(other, 'Too late.')).rejects.toMatchObject({ statusCode: 409 });
  },
  retainFiles: async () => {
    const notes = new File(['Jo flew to Lima.'], 'notes.txt', { type: 'text/plain' });
    const r = await client.retainFiles(bank, [notes], { filesMetadata: [{ document_id: 'trip-notes' }] });
    expect(r.operation_ids).toHaveLength(1);
    const path = { bank_id: bank, operation_id: r.operation_ids[0] };
    expect((await sdk('getOperationStatus', { path })).data).toMatchObject({ total: 1 });
  },
  listDocuments: async () => {
    await client.retainBatch(bank, [{ content: 'Fay sailed to Crete.', document_id: 'log-1' }]);
    const r = await client.listDocuments(bank, { limit: 100 });
    expect(r.items.map((d: Any) => d.id)).toContain('log-1');
  },
  getDocument: async () => {
    await client.retainBatch(bank, [{ content: 'Gus hiked in Wales.', document_id: 'log-2' }]);
    expect(await client.getDocument(bank, 'log-2')).toMatchObject({ id: 'log-2', bank_id: bank });
    expect(await client.getDocument(bank, 'no-such-document')).toBeNull();
  },
  updateDocument: async () => {
    await client.retainBatch(bank, [{ content: 'Hal rowed on the Thames.', document_id: 'log-3' }]);
    await client.updateDocument(bank, 'log-3', { tags: ['boats'] });
    expect((await client.getDocument(bank, 'log-3')).tags).toEqual(['boats']);
  },
  deleteDocument: async () => {
    await client.retainBatch(bank, [{ content: 'Ivy swam at Brighton.', document_id: 'log-4' }]);
    await expect(client.deleteDocument(bank, 'log-4')).resolves.toBeUndefined();
    await expect(client.deleteDocument(bank, 'no-such-document')).rejects.toThrow(/not_found/);
  },
  'sdk.healthEndpointHealthGet': async () =>
    expect((await sdk('healthEndpointHealthGet')).data.status).toBeDefined(),
  'sdk.getReadiness': async () => expect([200, 503]).toContain((await sdk('getReadiness')).status),
  'sdk.getLiveness': async () => expect((await sdk('getLiveness')).data.status).toBe('alive'),
  'sdk.metricsEndpointMetricsGet': async () => {
    const r = await sdk('metricsEndpointMetricsGet', { parseAs: 'text' });
    expect(String(r.data)).toContain('hindsight_operations');
  },
};

/** How each method is called when its answer is expected to be an error: the status it failed with. */
async function failure(method: string): Promise<number | undefined> {
  const id = 'x1';
  const calls: Record<string, () => Promise<unknown>> = {
    reflect: () => client.reflect(bank, 'Where did Alice fly?'),
    createDirective: () => client.createDirective(bank, 'rule', 'Be brief'),
    listDirectives: () => client.listDirectives(bank),
    getDirective: () => client.getDirective(bank, id),
    updateDirective: () => client.updateDirective(bank, id, { name: 'n' }),
    deleteDirective: () => client.deleteDirective(bank, id),
    createMentalModel: () => client.createMentalModel(bank, 'm', 'q'),
    listMentalModels: () => client.listMentalModels(bank),
    getMentalModel: () => client.getMentalModel(bank, id),
    refreshMentalModel: () => client.refreshMentalModel(bank, id),
    dryRunRefreshMentalModel: () => client.dryRunRefreshMentalModel(bank, id),
    clearMentalModel: () => client.clearMentalModel(bank, id),
    updateMentalModel: () => client.updateMentalModel(bank, id, { name: 'n' }),
    deleteMentalModel: () => client.deleteMentalModel(bank, id),
    getMentalModelHistory: () => client.getMentalModelHistory(bank, id),
    getKnowledgeBaseTree: () => client.getKnowledgeBaseTree(bank),
    createKnowledgeFolder: () => client.createKnowledgeFolder(bank, 'f'),
    createKnowledgePage: () => client.createKnowledgePage(bank, 'p', 'q'),
    getKnowledgePage: () => client.getKnowledgePage(bank, id),
    searchKnowledgeBase: () => client.searchKnowledgeBase(bank, 'q'),
    updateKnowledgeNode: () => client.updateKnowledgeNode(bank, id, { name: 'n' }),
    deleteKnowledgeNode: () => client.deleteKnowledgeNode(bank, id),
    exportKnowledgeBase: () => client.exportKnowledgeBase(bank),
    exportDocuments: () => client.exportDocuments(bank),
  };
  const call = calls[method];
  if (!call) throw new Error(`no failing call written for ${method}`);
  try {
    await call();
  } catch (error) {
    // The delete methods throw a plain Error carrying the answer's body rather than its status.
    const { statusCode, message } = error as { statusCode?: number; message: string };
    return statusCode ?? (message.includes('"not_implemented"') ? 501 : undefined);
  }
  return undefined;
}

const rows = publishedClientTable().filter((r): r is PublishedRow & { typescript: string } => !!r.typescript);

describe(`the published TypeScript client ${PUBLISHED}`, () => {
  it('has a row in the table for every method of HindsightClient', () => {
    const methods = Object.getOwnPropertyNames(published.HindsightClient.prototype).filter(
      (m) => m !== 'constructor' && m !== 'validateResponse',
    );
    const listed = new Set(rows.map((r) => r.typescript));
    expect(methods.filter((m) => !listed.has(m))).toEqual([]);
  });

  for (const row of rows) {
    const name = `${row.typescript} (${row.http}): ${row.here}`;
    if (row.here.startsWith('served by ')) {
      it.skip(name, () => {});
    } else if (row.here === 'served') {
      it(name, async () => {
        const check = served[row.typescript];
        expect(check, `a check for ${row.typescript}`).toBeDefined();
        await check!();
      });
    } else {
      // `served with a provider (501 without)`: this suite's service has no model provider.
      it(name, async () => {
        expect(row.here).toMatch(/^(501|served with a provider \(501 without\))/);
        expect(await failure(row.typescript)).toBe(501);
      });
    }
  }
});
