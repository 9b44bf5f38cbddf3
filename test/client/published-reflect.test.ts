import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { installPublishedClient, PUBLISHED } from './published-package.js';

// The published client's reflect() against a service with a chat model provider (a real OpenAI-compatible
// server on loopback): the answer parses, and its text and based_on are what a Hindsight user reads.

let provider: FakeProvider;
let svc: TestService;
let client: any;
beforeAll(async () => {
  const published = await installPublishedClient();
  provider = await startFakeProvider({ latencyMs: [5, 20] });
  svc = await startService({ env: providerEnv(provider) });
  client = new published.HindsightClient({ baseUrl: svc.url });
}, 300_000);
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
}, 60_000);

describe(`reflect from the published TypeScript client ${PUBLISHED}`, () => {
  it('answers in the shape the client declares, grounded in the memories it cites', async () => {
    const bank = uniqueBank('published-reflect');
    await client.retainBatch(bank, [{ content: 'Alice flew to Lima in 2019.' }]);
    const memories = await client.listMemories(bank, { limit: 10 });
    const lima = memories.items.find((m: any) => m.text === 'Alice flew to Lima in 2019.');
    expect(lima).toBeDefined();

    const answer = await client.reflect(bank, 'Where did Alice fly?');
    expect(answer.text).toEqual(expect.any(String));
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.based_on.memories.map((m: any) => m.id)).toContain(lima.id);
  });
});
