/**
 * `npm run bench:models [-- --quick] [-- --only=rate,tokens,crash]`: batch retain with a model provider (the loopback fake, 1–2 s per call),
 * through the real service in a child process. Prints three rows:
 *  - rate limit: with a provider quota of R requests a minute, the share of R the batch keeps the provider at,
 *    and the requests it sent over the quota;
 *  - token limit: the same with a provider quota of T tokens a minute (and no request limit), in tokens;
 *  - crash economy: after 3 SIGKILLs of the whole service during a batch, model calls made ÷ calls a clean run
 *    makes, next to 1 + (calls in flight at the kills) ÷ total.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildService, spawnService } from '../test/support/child-service.js';
import { startTestDevServer } from '../test/support/dev-server.js';
import { type FakeProvider, providerEnv, startFakeProvider } from '../test/support/fake-model-provider.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { scratchDir } from './lifecycle.js';
import { sleep } from './measure.js';
import { TERMINAL } from './operations.js';
import { http } from './service.js';
import { log } from './settings.js';

const QUICK = process.argv.includes('--quick');
/** `--only=rate,tokens,crash`: the rows to run (default all). */
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const runs = (row: string) => !ONLY || ONLY.includes(row);
const RATE_DOCS = QUICK ? 200 : 2_000;
const PER_MINUTE = QUICK ? 600 : 1_200;
/** About 1,200 tokens a document's facts call: T allows about 1.6 calls a second. */
const TOKEN_DOCS = QUICK ? 120 : 240;
const TOKENS_PER_MINUTE = 120_000;
const CRASH_DOCS = QUICK ? 100 : 400;
const KILLS = 3;
const LATENCY: [number, number] = [1_000, 2_000];
/** An answer the provider sent this long before a kill may not have been stored yet: it was in flight. */
const STORE_WINDOW_MS = 1_000;

const root = scratchDir('models');

async function healthy(url: string, child: ChildService) {
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if ((await Promise.race([child.exited.then(() => true), sleep(250).then(() => false)])) === true) {
      throw new Error(`service exited:\n${child.output()}`);
    }
  }
}

function spawn(
  temporalAddress: string,
  port: number,
  dataDir: string,
  taskQueue: string,
  env: Record<string, string>,
) {
  return spawnService('all', {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    HINDSIGHT_PORT: String(port),
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_LOG_LEVEL: 'warn',
    HINDSIGHT_MAX_BODY_BYTES: String(64 * 1024 * 1024),
    ...env,
  });
}

async function submit(url: string, bank: string, count: number, seed: number) {
  const reply = await http(url, 'POST', `/v1/default/banks/${bank}/memories`, {
    async: true,
    items: makeDocuments(count, seed),
  });
  if (reply.status !== 202) throw new Error(`submit answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body.operation_id as string;
}

async function waitEnded(url: () => string, bank: string, id: string, child: () => ChildService) {
  for (;;) {
    if ((await Promise.race([child().exited.then(() => true), sleep(0).then(() => false)])) === true) {
      throw new Error(`service exited during the batch:\n${child().output()}`);
    }
    const reply = await http(url(), 'GET', `/v1/default/banks/${bank}/operations/${id}`).catch(
      () => undefined,
    );
    if (reply?.status === 200 && TERMINAL.has(reply.body.status)) return reply.body;
    await sleep(500);
  }
}

const factCalls = (provider: FakeProvider) =>
  provider.log.filter(
    (e) => e.path === '/chat/completions' && e.outcome === 'ok' && !e.content?.startsWith('Entity: '),
  );

async function rateLimitRow(temporalAddress: string) {
  const provider = await startFakeProvider({ latencyMs: LATENCY, requestsPerMinute: PER_MINUTE });
  const port = await freePort();
  const child = spawn(temporalAddress, port, join(root, 'rate'), `bench-rate-${randomUUID()}`, {
    ...providerEnv(provider, { HINDSIGHT_MODEL_REQUESTS_PER_MINUTE: String(PER_MINUTE) }),
    // Facts only: the row measures how close the batch keeps the provider to its quota.
    HINDSIGHT_API_EMBEDDINGS_PROVIDER: 'none',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await healthy(url, child);
    log(
      `rate limit: ${RATE_DOCS} documents, provider quota ${PER_MINUTE}/min, ${LATENCY.join('–')} ms a call`,
    );
    const id = await submit(url, 'rate', RATE_DOCS, 11);
    const op = await waitEnded(
      () => url,
      'rate',
      id,
      () => child,
    );
    const calls = factCalls(provider).map((e) => e.at);
    // The steady state: from the first to the last call of the batch's facts.
    const seconds = (Math.max(...calls) - Math.min(...calls)) / 1000;
    const perMinute = ((calls.length - 1) / seconds) * 60;
    return {
      status: op.status,
      calls: calls.length,
      seconds,
      perMinute,
      share: perMinute / PER_MINUTE,
      overQuota: provider.overQuota(),
    };
  } finally {
    await child.kill('SIGKILL');
    await provider.close();
  }
}

async function tokenLimitRow(temporalAddress: string) {
  const provider = await startFakeProvider({ latencyMs: LATENCY, tokensPerMinute: TOKENS_PER_MINUTE });
  const port = await freePort();
  const child = spawn(temporalAddress, port, join(root, 'tokens'), `bench-tokens-${randomUUID()}`, {
    ...providerEnv(provider, { HINDSIGHT_MODEL_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE) }),
    HINDSIGHT_API_EMBEDDINGS_PROVIDER: 'none',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await healthy(url, child);
    log(
      `token limit: ${TOKEN_DOCS} documents, provider quota ${TOKENS_PER_MINUTE} tokens/min, ${LATENCY.join('–')} ms a call`,
    );
    const id = await submit(url, 'tokens', TOKEN_DOCS, 13);
    const op = await waitEnded(
      () => url,
      'tokens',
      id,
      () => child,
    );
    const calls = factCalls(provider);
    const first = Math.min(...calls.map((e) => e.at));
    const last = calls.reduce((a, b) => (b.at > a.at ? b : a));
    // The steady state, as for requests: the tokens sent before the last call, over the time they took.
    const seconds = (last.at - first) / 1000;
    const tokens = calls.reduce((sum, e) => sum + (e.tokens ?? 0), 0) - (last.tokens ?? 0);
    const perMinute = (tokens / seconds) * 60;
    return {
      status: op.status,
      calls: calls.length,
      seconds,
      perMinute,
      share: perMinute / TOKENS_PER_MINUTE,
      over: provider.overTokenQuota(),
    };
  } finally {
    await child.kill('SIGKILL');
    await provider.close();
  }
}

async function crashRow(temporalAddress: string) {
  const provider = await startFakeProvider({ latencyMs: LATENCY });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const taskQueue = `bench-crash-${randomUUID()}`;
  // At the quota, as a deployment would run: it bounds the calls in flight at a kill (rate × latency).
  const env = providerEnv(provider, {
    HINDSIGHT_API_EMBEDDINGS_PROVIDER: 'none',
    HINDSIGHT_MODEL_REQUESTS_PER_MINUTE: String(PER_MINUTE),
  });
  let child = spawn(temporalAddress, port, join(root, 'crash'), taskQueue, env);
  try {
    await healthy(url, child);
    log(`crash economy: ${CRASH_DOCS} documents, ${KILLS} SIGKILLs of the whole service`);
    const id = await submit(url, 'crash', CRASH_DOCS, 12);
    let inFlight = 0;
    for (let k = 1; k <= KILLS; k++) {
      const target = Math.floor((CRASH_DOCS * k) / (KILLS + 1));
      while (new Set(factCalls(provider).map((e) => e.content)).size < target) await sleep(100);
      const at = Date.now();
      inFlight +=
        provider.open() +
        provider.log.filter((e) => e.outcome === 'ok' && e.at >= at - STORE_WINDOW_MS).length;
      await child.kill('SIGKILL');
      child = spawn(temporalAddress, port, join(root, 'crash'), taskQueue, env);
      await healthy(url, child);
    }
    const op = await waitEnded(
      () => url,
      'crash',
      id,
      () => child,
    );
    const calls = factCalls(provider).length;
    return {
      status: op.status,
      calls,
      clean: CRASH_DOCS,
      ratio: calls / CRASH_DOCS,
      bound: 1 + inFlight / CRASH_DOCS,
    };
  } finally {
    await child.kill('SIGKILL');
    await provider.close();
  }
}

async function main() {
  const devServer = await startTestDevServer({ dbFilename: join(root, 'temporal.sqlite') });
  try {
    const rate = runs('rate') ? await rateLimitRow(devServer.address) : undefined;
    const tokens = runs('tokens') ? await tokenLimitRow(devServer.address) : undefined;
    const crash = runs('crash') ? await crashRow(devServer.address) : undefined;
    console.log('\n| row | measured | target |');
    console.log('| --- | --- | --- |');
    if (rate)
      console.log(
        `| rate limit, ${rate.calls} calls in ${rate.seconds.toFixed(0)} s (${rate.status}) | ${rate.perMinute.toFixed(0)}/min = ` +
          `${(rate.share * 100).toFixed(1)} % of R = ${PER_MINUTE}/min; ${rate.overQuota} over the quota | ≥ 90 %, 0 over |`,
      );
    if (tokens)
      console.log(
        `| token limit, ${tokens.calls} calls in ${tokens.seconds.toFixed(0)} s (${tokens.status}) | ${tokens.perMinute.toFixed(0)} tokens/min = ` +
          `${(tokens.share * 100).toFixed(1)} % of T = ${TOKENS_PER_MINUTE}/min; ${tokens.over.tokens} tokens over the quota | ≥ 90 %, 0 over |`,
      );
    if (crash)
      console.log(
        `| crash economy, ${KILLS} SIGKILLs (${crash.status}) | ${crash.calls} calls ÷ ${crash.clean} = ${crash.ratio.toFixed(3)} | ` +
          `≤ 1 + in flight ÷ total = ${crash.bound.toFixed(3)} |`,
      );
  } finally {
    await devServer.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
