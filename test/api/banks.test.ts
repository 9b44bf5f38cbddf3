import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The bank resource, memory listing and deletes, version and probes, reflect without a provider, and the
// 501 for what is not served: real HTTP against a service on a real store.

let api: TestService;

beforeAll(async () => {
  api = await startService({ worker: false });
}, 120_000);

afterAll(async () => {
  await api?.stop();
}, 60_000);

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;

async function retain(bank: string, contents: string[]) {
  const res = await http(api.url, 'POST', `${bankPath(bank)}/memories`, {
    items: contents.map((content) => ({ content })),
  });
  expect(res.status).toBe(200);
  return res.body.memory_ids as string[];
}

describe('banks', () => {
  it('are created with a profile, read back, updated in part and listed', async () => {
    const bank = uniqueBank('profile');
    const created = await http(api.url, 'PUT', bankPath(bank), {
      name: 'Travel notes',
      mission: 'Remember trips',
      disposition: { skepticism: 4, literalism: 2, empathy: 5 },
    });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      bank_id: bank,
      name: 'Travel notes',
      mission: 'Remember trips',
      background: null,
      disposition: { skepticism: 4, literalism: 2, empathy: 5 },
    });
    const patched = await http(api.url, 'PATCH', bankPath(bank), { name: 'Trips' });
    expect(patched.body.name).toBe('Trips');
    expect(patched.body.mission).toBe('Remember trips');
    const disposition = await http(api.url, 'PUT', `${bankPath(bank)}/profile`, {
      disposition: { skepticism: 1, literalism: 1, empathy: 1 },
    });
    expect(disposition.body.disposition).toEqual({ skepticism: 1, literalism: 1, empathy: 1 });
    const profile = await http(api.url, 'GET', `${bankPath(bank)}/profile`);
    expect(profile.body).toMatchObject({ bank_id: bank, name: 'Trips', mission: 'Remember trips' });
    await retain(bank, ['Alice flew to Paris.']);
    const list = await http(api.url, 'GET', '/v1/default/banks');
    const row = list.body.banks.find((b: { bank_id: string }) => b.bank_id === bank);
    expect(row).toMatchObject({ bank_id: bank, name: 'Trips', fact_count: 1 });
  });

  it('never written to read the default profile and configuration, and reading creates nothing', async () => {
    const bank = uniqueBank('unseen');
    const profile = await http(api.url, 'GET', `${bankPath(bank)}/profile`);
    expect(profile.body).toEqual({
      bank_id: bank,
      name: bank,
      mission: '',
      background: null,
      disposition: { skepticism: 3, literalism: 3, empathy: 3 },
    });
    const config = await http(api.url, 'GET', `${bankPath(bank)}/config`);
    expect(config.body.overrides).toEqual({});
    const list = await http(api.url, 'GET', '/v1/default/banks');
    expect(list.body.banks.map((b: { bank_id: string }) => b.bank_id)).not.toContain(bank);
    const patch = await http(api.url, 'PATCH', bankPath(bank), { name: 'x' });
    expect(patch.status).toBe(404);
    expect(patch.body.error.message).toContain(`PUT /v1/default/banks/${bank}`);
  });

  it('keep configuration overrides, share the reflect mission and disposition with the profile, and reset', async () => {
    const bank = uniqueBank('config');
    const updated = await http(api.url, 'PATCH', `${bankPath(bank)}/config`, {
      updates: { reflect_mission: 'Answer briefly', retain_chunk_size: 800, disposition_empathy: 5 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.overrides).toEqual({
      reflect_mission: 'Answer briefly',
      retain_chunk_size: 800,
      disposition_empathy: 5,
    });
    expect(updated.body.config).toMatchObject({
      reflect_mission: 'Answer briefly',
      disposition_skepticism: 3,
    });
    const profile = await http(api.url, 'GET', `${bankPath(bank)}/profile`);
    expect(profile.body.mission).toBe('Answer briefly');
    expect(profile.body.disposition.empathy).toBe(5);
    const reset = await http(api.url, 'DELETE', `${bankPath(bank)}/config`);
    expect(reset.body.overrides).toEqual({});
    expect((await http(api.url, 'GET', `${bankPath(bank)}/profile`)).body.mission).toBe('');
  });

  it('refuse bad input with a 400 that names the field, and change nothing', async () => {
    const bank = uniqueBank('bad');
    await http(api.url, 'PUT', bankPath(bank), { name: 'Kept' });
    const cases: [string, string, unknown, string][] = [
      [
        'PUT',
        bankPath(bank),
        { name: 'x', disposition: { skepticism: 9, literalism: 1, empathy: 1 } },
        'between 1 and 5',
      ],
      ['PUT', bankPath(bank), { name: 7 }, 'name'],
      ['PATCH', bankPath(bank), { 'Bad-Key': 1 }, 'setting name'],
      ['PUT', `${bankPath(bank)}/profile`, { disposition: { skepticism: 2 } }, 'literalism'],
      ['PATCH', `${bankPath(bank)}/config`, { reflect_mission: 'no wrapper' }, 'updates'],
      ['PATCH', `${bankPath(bank)}/config`, { updates: { enable_reranking: 'yes' } }, 'enable_reranking'],
    ];
    for (const [method, path, body, words] of cases) {
      const res = await http(api.url, method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toContain(words);
    }
    const profile = await http(api.url, 'GET', `${bankPath(bank)}/profile`);
    expect(profile.body).toMatchObject({
      name: 'Kept',
      disposition: { skepticism: 3, literalism: 3, empathy: 3 },
    });
    expect((await http(api.url, 'GET', `${bankPath(bank)}/config`)).body.overrides).toEqual({});
  });

  it('count their memories, documents, entities, links and operations in stats', async () => {
    const bank = uniqueBank('stats');
    await retain(bank, ['Alice met Bob in Paris.', 'Bob moved to Rome.']);
    await http(api.url, 'POST', `${bankPath(bank)}/memories`, {
      async: true,
      items: [{ content: 'Later.' }],
    });
    const stats = await http(api.url, 'GET', `${bankPath(bank)}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ bank_id: bank, total_nodes: 2, total_links: 0 });
    expect(stats.body.total_entities).toBeGreaterThan(0);
    expect(stats.body.operations_by_status.pending).toBeGreaterThanOrEqual(1);
    expect(stats.body.pending_operations).toBeGreaterThanOrEqual(1);
  });
});

describe('memories', () => {
  it('are listed at /memories/list with the filters the clients send', async () => {
    const bank = uniqueBank('list');
    const ids = await retain(bank, [
      'Alice flew to Paris.',
      'Bob took a train to Rome.',
      'Carol stayed home.',
    ]);
    const all = await http(api.url, 'GET', `${bankPath(bank)}/memories/list?limit=2`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(all.body.items.map((m: { id: string }) => m.id)).toEqual(ids.slice(0, 2));
    expect(all.body.items[0]).toMatchObject({ text: 'Alice flew to Paris.', type: 'world' });
    const found = await http(api.url, 'GET', `${bankPath(bank)}/memories/list?q=rome`);
    expect(found.body.items.map((m: { id: string }) => m.id)).toEqual([ids[1]]);
    const other = await http(api.url, 'GET', `${bankPath(bank)}/memories/list?type=experience`);
    expect(other.body.total).toBe(0);
    const bad = await http(api.url, 'GET', `${bankPath(bank)}/memories/list?limit=5000`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('at most 1000');
    const unknown = await http(api.url, 'GET', `${bankPath(bank)}/memories/list?state=valid`);
    expect(unknown.status).toBe(400);
  });

  it('are deleted one by one (404 for one that is not there) and all at once', async () => {
    const bank = uniqueBank('delete');
    const ids = await retain(bank, [
      'Alice flew to Paris.',
      'Bob took a train to Rome.',
      'Carol stayed home.',
    ]);
    const one = await http(api.url, 'DELETE', `${bankPath(bank)}/memories/${ids[0]}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ success: true, deleted_count: 1 });
    expect((await http(api.url, 'GET', `${bankPath(bank)}/memories/${ids[0]}`)).status).toBe(404);
    const again = await http(api.url, 'DELETE', `${bankPath(bank)}/memories/${ids[0]}`);
    expect(again.status).toBe(404);
    const other = uniqueBank('other');
    const kept = await retain(other, ['Dana kept her notes.']);
    const cleared = await http(api.url, 'DELETE', `${bankPath(bank)}/memories`);
    expect(cleared.body).toMatchObject({ success: true, deleted_count: 2 });
    expect((await http(api.url, 'GET', `${bankPath(bank)}/memories/list`)).body.total).toBe(0);
    expect((await http(api.url, 'GET', `${bankPath(bank)}/entities`)).body.total).toBe(0);
    expect((await http(api.url, 'GET', `${bankPath(other)}/memories/${kept[0]}`)).status).toBe(200);
  });
});

describe('version and probes', () => {
  it('answer the version, liveness and readiness', async () => {
    const version = await http(api.url, 'GET', '/version');
    expect(version.status).toBe(200);
    expect(version.body.api_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.body.features).toMatchObject({ reflect: false });
    expect((await http(api.url, 'GET', '/health/live')).body.status).toBe('alive');
    const ready = await http(api.url, 'GET', '/health/ready');
    expect([200, 503]).toContain(ready.status);
    expect(ready.body.parts.database.status).toBe('ok');
  });
});

describe('reflect without a model provider', () => {
  it('answers 501 saying a provider is needed and that recall gives the memories, with no text', async () => {
    const bank = uniqueBank('reflect');
    const res = await http(api.url, 'POST', `${bankPath(bank)}/reflect`, { query: 'Where did Alice go?' });
    expect(res.status).toBe(501);
    expect(res.body.text).toBeUndefined();
    expect(res.body.error.message).toContain('HINDSIGHT_API_LLM_PROVIDER');
    expect(res.body.error.message).toContain('memories/recall');
    const bad = await http(api.url, 'POST', `${bankPath(bank)}/reflect`, { query: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('query');
  });
});

describe('what is not served', () => {
  it('answers 501 in the error format naming the feature', async () => {
    const bank = uniqueBank('unserved');
    const cases: [string, string, string][] = [
      ['GET', `${bankPath(bank)}/directives`, 'directives'],
      ['POST', `${bankPath(bank)}/mental-models`, 'mental models'],
      ['GET', `${bankPath(bank)}/knowledge-base/tree`, 'knowledge base'],
      ['POST', `${bankPath(bank)}/transfer/export`, 'bank import and export'],
      ['POST', `${bankPath(bank)}/clone`, 'cloning'],
      ['GET', '/v1/default/chunks/c1', 'chunks'],
    ];
    for (const [method, path, feature] of cases) {
      const res = await http(api.url, method, path, method === 'GET' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(501);
      expect(res.body.error.code).toBe('not_implemented');
      expect(res.body.error.message).toContain(feature);
    }
    // A served route under the same bank is not shadowed.
    expect((await http(api.url, 'GET', `${bankPath(bank)}/memories/list`)).status).toBe(200);
  });
});
