import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { http, operationPath, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

let provider: FakeProvider;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [5, 20] });
  svc = await startService({ chunkSize: 5, env: providerEnv(provider) });
});
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;

async function submit(service: TestService, bank: string, items: unknown[]) {
  const res = await http(service.url, 'POST', `${bankPath(bank)}/memories`, { items, async: true });
  expect(res.status).toBe(202);
  return res.body.operation_id as string;
}

async function retain(bank: string, items: unknown[]) {
  const id = await submit(svc, bank, items);
  return (await waitForOperation(svc.url, bank, id)).operation;
}

const chatCalls = () => provider.log.filter((e) => e.path === '/chat/completions');

describe('retain with a language model and embeddings', () => {
  it("stores the model's facts, entities and dates, embeds every memory, and reports the calls and tokens", async () => {
    const bank = uniqueBank();
    const op = await retain(bank, [
      {
        content: 'Marie Curie moved to Paris in 1891. She studied physics at the Sorbonne.',
        document_id: 'curie',
      },
      { content: 'The doctor parked the car outside the clinic.', document_id: 'clinic' },
    ]);
    expect(op.status).toBe('completed');
    expect(op.result.failed_items).toEqual([]);
    // One fact per sentence, as the fake model answers: not the built-in extractor's grouping.
    expect(op.result.memories_count).toBe(3);
    expect(op.result.model_calls).toBe(2 + 1); // two documents' facts, one embeddings call for the chunk
    expect(op.result.model_tokens).toBeGreaterThan(0);
    expect(op.result.models.map((m: { model: string }) => m.model)).toEqual(['fake-chat', 'fake-embed']);

    const list = await http(svc.url, 'GET', `${bankPath(bank)}/memories?document_id=curie`);
    const texts = list.body.memories.map((m: { text: string }) => m.text);
    expect(texts).toEqual(['Marie Curie moved to Paris in 1891.', 'She studied physics at the Sorbonne.']);
    const moved = list.body.memories[0];
    expect(moved.timestamp).toBe('1891-01-01T00:00:00.000Z');
    const entities = await http(svc.url, 'GET', `${bankPath(bank)}/entities?limit=50`);
    expect(entities.body.entities.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['Marie Curie', 'Paris', 'Sorbonne']),
    );
    const [row] = await svc.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM memories WHERE bank_id = $1 AND embedding IS NOT NULL',
      [bank],
    );
    expect(row?.n).toBe(3);

    const metrics = await fetch(`${svc.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/hindsight_model_calls_total\{model="fake-chat",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/hindsight_model_tokens_total\{model="fake-embed",kind="prompt"\} \d+/);
  });

  it('recalls by meaning: a query with no word in common finds the memory through its embedding', async () => {
    const bank = uniqueBank();
    await retain(bank, [
      { content: 'Nina bought a red automobile last spring.' },
      { content: 'Omar adopted a kitten from the shelter.' },
      { content: 'The quarterly budget meeting moved to Thursday.' },
    ]);
    const byWords = await http(svc.url, 'POST', `${bankPath(bank)}/memories/recall`, {
      query: 'vehicle purchase',
    });
    expect(byWords.status).toBe(200);
    expect(byWords.body.results[0].text).toBe('Nina bought a red automobile last spring.');
    const cat = await http(svc.url, 'POST', `${bankPath(bank)}/memories/recall`, {
      query: 'feline',
      limit: 1,
    });
    expect(cat.body.results.map((r: { text: string }) => r.text)).toEqual([
      'Omar adopted a kitten from the shelter.',
    ]);
  });

  it("waits out a 429's Retry-After and 5xx answers without failing the operation", async () => {
    const bank = uniqueBank();
    provider.script(['429', '500', '500'], 'Lena Berg');
    const started = provider.log.length;
    const op = await retain(bank, [{ content: 'Lena Berg opened a bakery in Oslo.' }]);
    expect(op.status).toBe('completed');
    expect(op.result.memories_count).toBe(1);
    const outcomes = provider.log
      .slice(started)
      .filter((e) => e.content?.includes('Lena Berg'))
      .map((e) => e.outcome);
    expect(outcomes.slice(0, 3)).toEqual(['429', '500', '500']);
    // Only answered calls cost anything: the refused ones are not in the result.
    expect(op.result.model_calls).toBe(2);
  });

  it('asks again when an answer does not validate, then records the document in failed_items with the reason', async () => {
    const bank = uniqueBank();
    provider.poison('POISON');
    const before = chatCalls().filter((e) => e.content?.includes('POISON')).length;
    const op = await retain(bank, [
      { content: 'Good document about Rome.' },
      { content: 'POISON document that the model cannot answer.' },
    ]);
    expect(op.status).toBe('completed');
    expect(op.result.failed_items).toEqual([
      { index: 1, reason: expect.stringContaining("the model's answer did not validate 3 times") },
    ]);
    expect(op.result.memories_count).toBe(1);
    expect(chatCalls().filter((e) => e.content?.includes('POISON')).length - before).toBe(3);
  });

  it("writes each entity's observation from the model, citing its memories", async () => {
    const bank = uniqueBank();
    await retain(bank, [
      { content: 'Ada Lovelace wrote the first program.' },
      { content: 'Ada Lovelace worked with Charles Babbage.' },
    ]);
    const res = await http(svc.url, 'POST', `${bankPath(bank)}/observations/regenerate`, {});
    expect(res.status).toBe(202);
    const { operation } = await waitForOperation(svc.url, bank, res.body.operation_id);
    expect(operation.status).toBe('completed');
    expect(operation.result.model_calls).toBe(operation.result.entities_processed);
    const list = await http(svc.url, 'GET', `${bankPath(bank)}/entities?limit=50`);
    const ada = list.body.entities.find((e: { name: string }) => e.name === 'Ada Lovelace');
    expect(ada.observation.text).toMatch(/^Summary of Ada Lovelace: /);
    expect(ada.observation.text).toContain('worked with Charles Babbage.');
    expect(ada.observation.memory_ids).toHaveLength(2);
  });

  it('retains synchronously through the model: the request waits for its operation, and recall by meaning finds the memories at once', async () => {
    const bank = uniqueBank();
    const res = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
      items: [{ content: 'Priya brought her kitten to the clinic. The vet was kind.' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // One memory per sentence, as the fake model answers: the model wrote them, not the built-in extractor.
    expect(res.body).toMatchObject({ bank_id: bank, items_count: 1, failed_items: [] });
    expect(res.body.memory_ids).toHaveLength(2);
    const operation = await http(svc.url, 'GET', operationPath(bank, res.body.operation_id));
    expect(operation.body).toMatchObject({ status: 'completed', type: 'batch_retain' });
    expect(operation.body.result.model_calls).toBe(2); // the facts, then one embeddings call

    const recalled = await http(svc.url, 'POST', `${bankPath(bank)}/memories/recall`, {
      query: 'feline',
      limit: 1,
    });
    expect(recalled.body.results.map((r: { id: string }) => r.id)).toEqual([res.body.memory_ids[0]]);
  });

  it('answers a synchronous retain that outlasts its wait with 202 and the operation, which goes on', async () => {
    const patient = await startService({
      db: svc.db,
      env: providerEnv(provider, {
        HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS: '1000',
        HINDSIGHT_MODEL_CALL_TIMEOUT_MS: '2000',
      }),
    });
    try {
      const bank = uniqueBank();
      provider.script(['hang'], 'Slowpoke');
      const res = await http(patient.url, 'POST', `${bankPath(bank)}/memories`, {
        items: [{ content: 'Slowpoke the tortoise crossed the road.' }],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ type: 'batch_retain' });
      // Running at the provider's hung call, or still pending if the bank's slot took longer than the wait.
      expect(['pending', 'running']).toContain(res.body.status);
      // The hung call times out and is retried; the operation completes on its own.
      const { operation } = await waitForOperation(patient.url, bank, res.body.operation_id);
      expect(operation.status).toBe('completed');
      expect(operation.result.memories_count).toBe(1);

      // The client waits for such an operation itself: its caller gets the memories either way.
      provider.script(['hang'], 'Sloth');
      const client = new HindsightClient({ baseUrl: patient.url });
      const retained = await client.retain({ bankId: bank, content: 'Sloth the sloth slept all day.' });
      expect(retained.memoryIds).toHaveLength(1);
      expect(retained.operationId).toMatch(/^op-/);
    } finally {
      await patient.stop();
    }
  });

  it('cancel stops a hanging provider call at once and the operation ends cancelled', async () => {
    const bank = uniqueBank();
    provider.script(['hang', 'hang'], 'Hanging');
    const id = await submit(svc, bank, [{ content: 'Hanging document one.' }, { content: 'Hanging two.' }]);
    await waitFor('the calls to hang at the provider', async () => provider.open('Hanging') >= 2);
    const cancelledAt = Date.now();
    const res = await http(svc.url, 'DELETE', operationPath(bank, id));
    expect(res.status).toBeLessThan(300);
    await waitFor('the provider calls to be dropped', async () => provider.open('Hanging') === 0);
    const stoppedAfter = Date.now() - cancelledAt;
    const { operation } = await waitForOperation(svc.url, bank, id);
    expect(operation.status).toBe('cancelled');
    // A loose bound for a shared machine (well above the second a cancel takes); the bench measures it.
    expect(stoppedAfter).toBeLessThan(5_000);
  });
});

describe('a provider that stays down', () => {
  let down: FakeProvider;
  let outage: TestService;
  beforeAll(async () => {
    down = await startFakeProvider();
    down.setFallback('500');
    outage = await startService({ env: providerEnv(down, { HINDSIGHT_MODEL_OUTAGE_TIMEOUT_MS: '4000' }) });
  });
  afterAll(async () => {
    await outage?.stop();
    await down?.close();
  });

  it('keeps the operation running and retrying, then fails it with an error that says so', async () => {
    const bank = uniqueBank();
    const id = await submit(outage, bank, [{ content: 'A document for a provider that is down.' }]);
    await waitFor('the operation to run and retry', async () => {
      const res = await http(outage.url, 'GET', operationPath(bank, id));
      return res.body.status === 'running' && down.log.length >= 2;
    });
    const { operation } = await waitForOperation(outage.url, bank, id);
    expect(operation.status).toBe('failed');
    expect(operation.error).toMatch(/model provider kept failing .*HINDSIGHT_MODEL_OUTAGE_TIMEOUT_MS.*500/);
    expect(down.log.length).toBeGreaterThanOrEqual(2);
  });
});
