import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ChildService,
  killAllChildren,
  spawnService,
  waitForHealthy,
} from '../support/child-service.js';
import { type FakeProvider, providerEnv, startFakeProvider } from '../support/fake-model-provider.js';
import { attempt, pollOperation, restartablePort, teardown } from '../support/faults.js';
import { documents, waitFor } from '../support/http.js';
import { freshTestDatabaseUrl, uniqueBank } from '../support/service.js';

const DOCS = 80;
const KILLS = 3;
/** An answer the provider sent this long before a kill may not have been stored yet: it was in flight. */
const STORE_WINDOW_MS = 1_000;

const docs = documents(DOCS);
const dataDir = mkdtempSync(join(tmpdir(), 'hindsight-model-kill-'));
let provider: FakeProvider;
let child: ChildService | undefined;
let base: string;
let env: Record<string, string>;

beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [200, 600] });
  const port = await restartablePort();
  base = `http://127.0.0.1:${port}`;
  const databaseUrl = await freshTestDatabaseUrl();
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `model-kill-${randomUUID()}`,
    HINDSIGHT_PORT: String(port),
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_LOG_LEVEL: 'warn',
    // Few calls in flight at once, so that most of the batch's calls are not in flight at any kill.
    HINDSIGHT_CHUNK_SIZE: '5',
    HINDSIGHT_CHUNK_CONCURRENCY: '2',
    ...providerEnv(provider),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  child = spawnService('all', env);
  await waitForHealthy(base, child);
}, 120_000);

afterAll(() =>
  teardown(
    () => killAllChildren(),
    () => provider?.close(),
    () => rmSync(dataDir, { recursive: true, force: true }),
  ),
);

/** Chat calls the provider answered for each document, by the document's text. */
function factCallsByDocument(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of provider.log) {
    if (
      e.path !== '/chat/completions' ||
      e.outcome !== 'ok' ||
      !e.content ||
      e.content.startsWith('Entity: ')
    )
      continue;
    counts.set(e.content, (counts.get(e.content) ?? 0) + 1);
  }
  return counts;
}

describe('SIGKILL of the whole service while it pays for model calls', () => {
  it(`pays again only for calls in flight at ${KILLS} kills`, async () => {
    const bank = uniqueBank('model-kill');
    const submitted = await attempt(base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
    });
    expect(submitted.status).toBe(202);
    const operationId: string = submitted.body.operation_id;

    let inFlightAtKills = 0;
    for (let k = 1; k <= KILLS; k++) {
      const target = Math.floor((DOCS * k) / (KILLS + 1));
      await waitFor(`${target} documents' facts`, async () => factCallsByDocument().size >= target);
      const killedAt = Date.now();
      const open = provider.open();
      const justAnswered = provider.log.filter(
        (e) => e.outcome === 'ok' && e.at >= killedAt - STORE_WINDOW_MS,
      ).length;
      await child!.kill('SIGKILL');
      inFlightAtKills += open + justAnswered;
      child = spawnService('all', env);
      await waitForHealthy(base, child);
    }

    const operation = await pollOperation(() => base, bank, operationId, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    expect(operation.status).toBe('completed');
    expect(operation.result.failed_items).toEqual([]);
    expect(operation.result.items_count).toBe(DOCS);

    const perDocument = factCallsByDocument();
    expect(perDocument.size).toBe(DOCS);
    const calls = [...perDocument.values()].reduce((s, n) => s + n, 0);
    const paidTwice = calls - DOCS;
    console.info(
      `model kill: ${calls} fact calls for ${DOCS} documents over ${KILLS} kills; ${paidTwice} repeated, ` +
        `${inFlightAtKills} in flight at the kills; ratio ${(calls / DOCS).toFixed(3)}`,
    );
    expect(paidTwice).toBeLessThanOrEqual(inFlightAtKills);
  }, 300_000);
});
