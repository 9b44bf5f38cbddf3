import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { reflectAnswerSchema } from '../../src/api/routes/reflect.js';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { http, waitForOperation } from '../support/http.js';
import { pythonEnv, runPython } from '../support/python.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// Reflect with a chat model: recall, then one model call through the model task queue and its quotas, as a
// short workflow the request waits for. The provider is a real OpenAI-compatible HTTP server on loopback.

const WAIT_MS = 6_000;

let provider: FakeProvider;
let svc: TestService;
let bare: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [5, 20], retryAfterSeconds: 1 });
  svc = await startService({ env: providerEnv(provider, { HINDSIGHT_REFLECT_WAIT_MS: String(WAIT_MS) }) });
  bare = await startService({ worker: false });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await bare?.stop();
  await provider?.close();
}, 60_000);

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const reflectCalls = () =>
  provider.log.filter((e) => e.path === '/chat/completions' && e.content?.startsWith('Question: '));

async function retain(bank: string, contents: string[]) {
  const res = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
    items: contents.map((content) => ({ content })),
    async: true,
  });
  expect(res.status).toBe(202);
  const op = (await waitForOperation(svc.url, bank, res.body.operation_id)).operation;
  expect(op.status).toBe('completed');
  const list = await http(svc.url, 'GET', `${bankPath(bank)}/memories?limit=100`);
  return new Map<string, string>(list.body.memories.map((m: { id: string; text: string }) => [m.text, m.id]));
}

async function reflect(base: string, bank: string, body: unknown) {
  const res = await fetch(`${base}${bankPath(bank)}/reflect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

describe('reflect with a model provider', () => {
  it('answers from the recalled memories, citing their ids, with the memories the model was given in based_on', async () => {
    const bank = uniqueBank('reflect');
    const ids = await retain(bank, ['Alice flew to Lima in 2019. Bob baked bread in Oslo.']);
    const lima = ids.get('Alice flew to Lima in 2019.')!;
    expect(lima).toBeDefined();
    const before = reflectCalls().length;

    const res = await reflect(svc.url, bank, { query: 'Where did Alice fly?', context: 'travel notes' });
    expect(res.status).toBe(200);
    // The shape the OpenAPI document declares, which is the published clients' ReflectResponse.
    expect(reflectAnswerSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body.text).toContain(`[${lima}]`);
    expect(res.body.text).toContain('Alice flew to Lima in 2019.');
    const given = res.body.based_on.memories;
    expect(given.map((m: { id: string }) => m.id)).toContain(lima);
    expect(given.find((m: { id: string }) => m.id === lima)).toMatchObject({
      text: 'Alice flew to Lima in 2019.',
      type: 'world',
    });
    expect(res.body.based_on).toMatchObject({ mental_models: [], directives: [] });
    expect(res.body.usage.total_tokens).toBeGreaterThan(0);

    // One model call, whose prompt holds the question, the context and every memory given, by id and text.
    const calls = reflectCalls().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.content).toContain('Question: Where did Alice fly?');
    expect(calls[0]!.content).toContain('Context: travel notes');
    for (const m of given) expect(calls[0]!.content).toContain(`[${m.id}] ${m.text}`);

    // It ran as a workflow of its own, on the service's task queue.
    const runs = [];
    for await (const run of svc.runtime.client.workflow.list({
      query: `WorkflowType = 'reflectWorkflow' AND TaskQueue = '${svc.taskQueue}'`,
    }))
      runs.push(run);
    expect(runs.length).toBeGreaterThanOrEqual(1);
  });

  it('says the bank has no matching memories, without asking the model, when recall finds none', async () => {
    const bank = uniqueBank('reflect-empty');
    const before = provider.log.filter((e) => e.path === '/chat/completions').length;
    const res = await reflect(svc.url, bank, { query: 'Where did Alice fly?' });
    expect(res.status).toBe(200);
    expect(reflectAnswerSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body.text).toContain('no memories that match');
    expect(res.body.based_on.memories).toEqual([]);
    expect(res.body.usage).toBeNull();
    expect(provider.log.filter((e) => e.path === '/chat/completions').length).toBe(before);
  });

  it("answers 502 with the provider's message when the provider keeps failing with 500", async () => {
    const bank = uniqueBank('reflect-500');
    await retain(bank, ['Carla painted the fence in Rome.']);
    provider.script(['500', '500', '500'], 'Question: What did Carla paint?');
    const res = await reflect(svc.url, bank, { query: 'What did Carla paint?' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('model_provider_failed');
    expect(res.body.error.message).toContain('model provider answered 500');
    expect(res.body.text).toBeUndefined();
  });

  it('answers 502 saying so when the answer does not validate on every attempt', async () => {
    const bank = uniqueBank('reflect-invalid');
    await retain(bank, ['Fiona repaired the bridge in Turku.']);
    provider.poison('Question: What did Fiona repair?');
    try {
      const before = reflectCalls().length;
      const res = await reflect(svc.url, bank, { query: 'What did Fiona repair?' });
      expect(res.status).toBe(502);
      expect(res.body.error.message).toContain('not JSON');
      expect(reflectCalls().length - before).toBe(3);
    } finally {
      provider.cure('Question: What did Fiona repair?');
    }
  });

  it('answers 503 with Retry-After when the provider keeps rate limiting the call', async () => {
    const bank = uniqueBank('reflect-429');
    await retain(bank, ['Dario sold his boat in Naples.']);
    provider.script(['429', '429', '429'], 'Question: What did Dario sell?');
    const res = await reflect(svc.url, bank, { query: 'What did Dario sell?' });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('unavailable');
    expect(res.body.error.message).toContain('rate limited');
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
  });

  it('answers 503 with Retry-After when no answer comes within HINDSIGHT_REFLECT_WAIT_MS', async () => {
    const bank = uniqueBank('reflect-hang');
    await retain(bank, ['Emil planted tulips in Bergen.']);
    provider.script(['hang'], 'Question: What did Emil plant?');
    const started = Date.now();
    const res = await reflect(svc.url, bank, { query: 'What did Emil plant?' });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('HINDSIGHT_REFLECT_WAIT_MS');
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 100);
  }, 30_000);

  it('refuses a blank query with 400, asking nothing', async () => {
    const before = provider.log.length;
    const res = await reflect(svc.url, uniqueBank('reflect-bad'), { query: '   ' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('query');
    expect(provider.log.length).toBe(before);
  });
});

describe('reflect without a model provider', () => {
  it('answers 501 saying a provider is needed and what recall gives instead, never a text', async () => {
    const res = await reflect(bare.url, uniqueBank('reflect-bare'), { query: 'Where did Alice fly?' });
    expect(res.status).toBe(501);
    expect(res.body.text).toBeUndefined();
    expect(res.body.error.message).toContain('HINDSIGHT_API_LLM_PROVIDER');
    expect(res.body.error.message).toContain('memories/recall');
  });
});

describe("the project's clients", () => {
  it('reflect from TypeScript: the answer camel-cased, and 501 without a provider', async () => {
    const bank = uniqueBank('reflect-ts');
    const ids = await retain(bank, ['Alice flew to Lima in 2019.']);
    const answer = await new HindsightClient({ baseUrl: svc.url }).reflect({
      bankId: bank,
      query: 'Where did Alice fly?',
    });
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.basedOn.memories.map((m) => m.id)).toContain(ids.get('Alice flew to Lima in 2019.'));
    const refused = new HindsightClient({ baseUrl: bare.url, maxRetries: 3 }).reflect({
      bankId: bank,
      query: 'Where?',
    });
    await expect(refused).rejects.toMatchObject({ name: 'ServerError', status: 501 });
  });

  it('reflect from Python: the answer as the server sends it', async () => {
    const bank = uniqueBank('reflect-py');
    const ids = await retain(bank, ['Bob baked bread in Oslo.']);
    const script = [
      'import json, os',
      'from hindsight_client import Hindsight',
      'hs = Hindsight(os.environ["HINDSIGHT_API_URL"])',
      `print(json.dumps(hs.reflect(${JSON.stringify(bank)}, "Who baked bread?", context="kitchen notes")))`,
    ].join('\n');
    const { code, output } = await runPython(['-c', script], {
      cwd: fileURLToPath(new URL('../../clients/python', import.meta.url)),
      env: pythonEnv({ HINDSIGHT_API_URL: svc.url }),
    });
    expect(code, output).toBe(0);
    const answer = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(answer.based_on.memories.map((m: { id: string }) => m.id)).toContain(
      ids.get('Bob baked bread in Oslo.'),
    );
  });
});
