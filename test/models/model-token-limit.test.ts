import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { http, operationPath, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The service may spend 12,600 tokens a minute (200 a second) and make 600 requests a minute. A document's
// facts call costs about 180 tokens, so the token quota allows about one call a second: it is the tighter one.
// The provider allows 2,520 tokens in any 10 s window (a sixth of the minute's quota, with room for the
// limiter's first burst) and refuses and counts the rest. Without the token limit a batch's calls would
// arrive within a few seconds, far more tokens than that.
const TOKENS_PER_MINUTE = 12_600;
const WINDOW_MS = 10_000;
const TOKENS_PER_WINDOW = 2_520;

let provider: FakeProvider;
let svc: TestService;
let secondWorker: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({
    latencyMs: [10, 50],
    tokensPerMinute: TOKENS_PER_WINDOW,
    windowMs: WINDOW_MS,
  });
  const env = providerEnv(provider, {
    HINDSIGHT_MODEL_REQUESTS_PER_MINUTE: '600',
    HINDSIGHT_MODEL_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE),
  });
  svc = await startService({ chunkSize: 5, env });
  // Another worker of the same deployment (store and task queue): the quota is for both together.
  secondWorker = await startService({ api: false, db: svc.db, taskQueue: svc.taskQueue, chunkSize: 5, env });
});
afterAll(async () => {
  await secondWorker?.stop();
  await svc?.stop();
  await provider?.close();
});

const notes = (count: number, about: string) =>
  Array.from({ length: count }, (_, i) => ({ content: `Note ${i}: ${about} shipped build ${i}.` }));

async function submit(bank: string, items: unknown[]): Promise<string> {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, { items, async: true });
  expect(res.status).toBe(202);
  return res.body.operation_id;
}

describe('a deployment-wide tokens-per-minute limit', () => {
  it('keeps the provider within its token quota and completes the batch exactly', async () => {
    const bank = uniqueBank();
    const id = await submit(bank, notes(20, 'Team Orion'));
    const { operation } = await waitForOperation(svc.url, bank, id, 120_000);
    expect(operation.status).toBe('completed');
    expect(operation.result.failed_items).toEqual([]);
    expect(operation.result.memories_count).toBe(20);
    // Twenty documents' facts and four chunks' embeddings, each paid for once.
    expect(operation.result.model_calls).toBe(24);
    expect(provider.overTokenQuota()).toEqual({ requests: 0, tokens: 0 });

    const metrics = await fetch(`${svc.url}/metrics`).then((r) => r.text());
    const waited = metrics.match(
      /hindsight_model_quota_wait_seconds_total\{model="fake-chat",quota="HINDSIGHT_MODEL_TOKENS_PER_MINUTE"\} ([\d.e+-]+)/,
    );
    expect(Number(waited?.[1])).toBeGreaterThan(0);
  }, 150_000);

  it('a cancel while calls wait for the budget ends the operation at once, and they never reach the provider', async () => {
    const bank = uniqueBank();
    const id = await submit(bank, notes(30, 'Team Vega'));
    await waitFor('the batch to be answered in part', async () =>
      provider.log.some((e) => e.outcome === 'ok' && e.content?.includes('Team Vega')),
    );
    const cancelledAt = Date.now();
    const res = await http(svc.url, 'DELETE', operationPath(bank, id));
    expect(res.status).toBeLessThan(300);
    const { operation } = await waitForOperation(svc.url, bank, id);
    expect(operation.status).toBe('cancelled');
    // A loose bound for a shared machine, well above the second a waiting call takes to stop.
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);

    // The next batch costs more tokens than a call may wait for in one attempt (20 s of the budget), so once
    // it completes, every cancelled call would have had its turn at the provider had it kept waiting.
    const next = uniqueBank();
    const after = await waitForOperation(svc.url, next, await submit(next, notes(25, 'Team Lyra')), 120_000);
    expect(after.operation.status).toBe('completed');
    const lateCalls = provider.log.filter(
      (e) => e.content?.includes('Team Vega') && e.at > cancelledAt + 2_000,
    );
    expect(lateCalls).toEqual([]);
    expect(provider.overTokenQuota()).toEqual({ requests: 0, tokens: 0 });
  }, 200_000);
});
