import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { http, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The service may make 120 requests a minute (2 a second). The provider allows 24 in any 10 s window (2.4 a
// second: room for the limiter's first burst) and refuses and counts the rest. Without the limit the batch's
// 40 calls would arrive within a second or two.
const PER_MINUTE = 120;
const WINDOW_MS = 10_000;
const PER_WINDOW = 24;

let provider: FakeProvider;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({
    latencyMs: [10, 50],
    requestsPerMinute: PER_WINDOW,
    windowMs: WINDOW_MS,
  });
  svc = await startService({
    chunkSize: 5,
    env: providerEnv(provider, { HINDSIGHT_MODEL_REQUESTS_PER_MINUTE: String(PER_MINUTE) }),
  });
});
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
});

describe('a deployment-wide requests-per-minute limit', () => {
  it("keeps every model call within the provider's quota", async () => {
    const bank = uniqueBank();
    const items = Array.from({ length: 40 }, (_, i) => ({
      content: `Note ${i}: Team Orion shipped build ${i}.`,
    }));
    const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
    expect(res.status).toBe(202);
    const { operation } = await waitForOperation(svc.url, bank, res.body.operation_id, 120_000);
    expect(operation.status).toBe('completed');
    expect(operation.result.failed_items).toEqual([]);
    expect(operation.result.model_calls).toBeGreaterThanOrEqual(40);
    expect(provider.overQuota()).toBe(0);
  }, 150_000);
});
