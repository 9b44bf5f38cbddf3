import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

const ALICE = 'Alice moved to Paris in 2021. She works at Acme with Bob.';
const OTHERS = [
  'The quarterly report was sent to the finance team on Monday.',
  'Carol plays the cello in a string quartet.',
  'The library opens at nine and closes at six.',
];

async function retainedBank(svc: TestService): Promise<string> {
  const bank = uniqueBank('recall');
  const items = [ALICE, ...OTHERS].map((content) => ({ content }));
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items });
  expect(res.status).toBe(200);
  return bank;
}

async function recall(svc: TestService, bank: string, query: string) {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories/recall`, { query, limit: 5 });
  expect(res.status).toBe(200);
  return res.body.results as { text: string; score: number }[];
}

function sharedExpectations(service: () => TestService) {
  it('finds the memory for a natural question that shares only a name with it', async () => {
    const bank = await retainedBank(service());
    const results = await recall(service(), bank, 'Where does Alice live?');
    expect(results[0]?.text).toContain('Alice');
    expect(results.every((r) => !r.text.includes('library'))).toBe(true);
  });

  it('ranks the memory sharing more of the query first and still finds one sharing a stem', async () => {
    const bank = await retainedBank(service());
    const results = await recall(
      service(),
      bank,
      'Who plays music with Carol, and when does the library open?',
    );
    const texts = results.map((r) => r.text);
    expect(texts.some((t) => t.includes('Carol'))).toBe(true);
    expect(texts.some((t) => t.includes('library opens'))).toBe(true);
    expect(results[0]!.score).toBeGreaterThanOrEqual(results[results.length - 1]!.score);
  });

  it('answers no results for a question that shares nothing with the bank', async () => {
    const bank = await retainedBank(service());
    expect(await recall(service(), bank, 'Is it raining?')).toEqual([]);
  });
}

describe('recall by words, without a model provider', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });
  sharedExpectations(() => svc);
});

describe('recall by meaning and words, with a model provider', () => {
  let provider: FakeProvider;
  let svc: TestService;
  beforeAll(async () => {
    provider = await startFakeProvider();
    svc = await startService({ env: providerEnv(provider) });
  });
  afterAll(async () => {
    await svc?.stop();
    await provider?.close();
  });

  it('finds the memory for a natural question', async () => {
    const bank = await retainedBank(svc);
    const results = await recall(svc, bank, 'Where does Alice live?');
    expect(results[0]?.text).toContain('Alice');
  });

  it('finds a memory by meaning that shares no word with the query', async () => {
    const bank = uniqueBank('recall');
    // The fake embedding hashes words into few dimensions: the other memory shares none with "doctor" there.
    const items = [{ content: 'The physician prescribed rest.' }, { content: 'Erin sings in a choir.' }];
    const retained = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items });
    expect(retained.status).toBe(200);
    // Both documents became memories (a model answer that failed would leave one out and explain a miss).
    expect(retained.body).toMatchObject({ failed_items: [] });
    const results = await recall(svc, bank, 'doctor');
    expect(results[0]?.text).toContain('physician');
  });
});
