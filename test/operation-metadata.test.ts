import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, HindsightClient } from '../clients/typescript/src/index.js';
import { runCli } from './cli/run-cli.js';
import { type FakeProvider, providerEnv, startFakeProvider } from './support/fake-model-provider.js';
import { documents, http, operationPath, waitFor, waitForOperation } from './support/http.js';
import { pythonEnv, runPython } from './support/python.js';
import { startService, type TestService, uniqueBank } from './support/service.js';
import { startReceiver } from './webhooks/receiver.js';

// Labels (`metadata`) given at submit: returned on GET, the list and webhooks, filtered on by the list,
// refused past their limits with nothing created, and carried over by a retry. A model provider that fails
// the documents it is told to gives batches with failed items to retry.

let provider: FakeProvider;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [1, 4] });
  receiver = await startReceiver();
  svc = await startService({
    chunkSize: 5,
    env: { ...providerEnv(provider), HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
  await provider?.close();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const ops = (bank: string) => `${bankPath(bank)}/operations`;

async function submit(bank: string, body: Record<string, unknown>) {
  return http(svc.url, 'POST', `${bankPath(bank)}/memories`, { items: documents(3), async: true, ...body });
}

async function listIds(bank: string, query: string): Promise<string[]> {
  const res = await http(svc.url, 'GET', `${ops(bank)}?type=batch_retain&limit=100&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.total).toBe(res.body.operations.length);
  return res.body.operations.map((o: { operation_id: string }) => o.operation_id).sort();
}

describe('operation metadata', () => {
  it('round-trips on the 202, GET, the list and the webhook; operations without it have {}', async () => {
    const bank = uniqueBank('meta');
    const hook = await http(svc.url, 'POST', `${bankPath(bank)}/webhooks`, {
      url: receiver.url,
      events: ['operation.completed'],
    });
    expect(hook.status).toBe(201);
    const metadata = { customer: 'acme', batch: '7', 'source.file': 'export-2026.csv' };
    const accepted = await submit(bank, { metadata });
    expect(accepted.status).toBe(202);
    expect(accepted.body.metadata).toEqual(metadata);
    // An added field: the documented ones come first, in their order.
    expect(Object.keys(accepted.body).at(-1)).toBe('metadata');

    const { operation } = await waitForOperation(svc.url, bank, accepted.body.operation_id);
    expect(operation.status).toBe('completed');
    expect(operation.metadata).toEqual(metadata);

    const list = await http(svc.url, 'GET', `${ops(bank)}?type=batch_retain`);
    expect(list.body.operations).toEqual([expect.objectContaining({ metadata })]);
    // Follow-ups are queued by the service, with no labels.
    const followUps = await http(svc.url, 'GET', `${ops(bank)}?type=graph_update`);
    expect(followUps.body.operations[0].metadata).toEqual({});

    const delivered = await waitFor('the completed event', async () =>
      receiver.received
        .map((r) => JSON.parse(r.body))
        .find((event) => event.data.operation_id === accepted.body.operation_id),
    );
    expect(delivered.type).toBe('operation.completed');
    expect(delivered.data.metadata).toEqual(metadata);

    const plain = await submit(bank, {});
    expect(plain.body.metadata).toEqual({});

    // Maintenance submits take labels too.
    const graph = await http(svc.url, 'POST', `${bankPath(bank)}/graph/update`, {
      metadata: { why: 'nightly' },
    });
    expect(graph.status).toBe(202);
    expect(graph.body.metadata).toEqual({ why: 'nightly' });
    const observations = await http(svc.url, 'POST', `${bankPath(bank)}/observations/regenerate`, {
      metadata: { why: 'manual' },
    });
    expect(observations.body.metadata).toEqual({ why: 'manual' });
  });

  it('filters the list on labels: an AND of exact matches', async () => {
    const bank = uniqueBank('meta');
    const a = (await submit(bank, { metadata: { customer: 'acme', batch: '7' } })).body.operation_id;
    const b = (await submit(bank, { metadata: { customer: 'acme', batch: '8' } })).body.operation_id;
    const c = (await submit(bank, { metadata: { customer: 'globex', batch: '7' } })).body.operation_id;
    await submit(bank, {});

    expect(await listIds(bank, 'metadata.customer=acme')).toEqual([a, b].sort());
    expect(await listIds(bank, 'metadata.customer=acme&metadata.batch=7')).toEqual([a]);
    expect(await listIds(bank, 'metadata.batch=7')).toEqual([a, c].sort());
    expect(await listIds(bank, 'metadata.customer=initech')).toEqual([]);
    // Exact, not a prefix or a case-insensitive match.
    expect(await listIds(bank, 'metadata.customer=acm')).toEqual([]);
    expect(await listIds(bank, 'metadata.customer=ACME')).toEqual([]);
    // Another bank's labels are never seen.
    expect(await listIds(uniqueBank('meta'), 'metadata.customer=acme')).toEqual([]);
  });

  it('refuses a bad filter with a 400 naming it', async () => {
    const bank = uniqueBank('meta');
    const cases: [string, string][] = [
      ['metadata.=x', 'metadata.: key must be 1 to 64 characters'],
      [`metadata.${'k'.repeat(65)}=x`, 'key must be 1 to 64 characters'],
      ['metadata.a%20b=x', 'metadata.a b: key must be 1 to 64 characters of letters, digits'],
      [`metadata.customer=${'v'.repeat(257)}`, 'metadata.customer: must be at most 256 characters'],
      ['metadata.customer=%00', 'metadata.customer: must not contain NUL'],
      ['metadata.customer=a&metadata.customer=b', 'metadata.customer: given 2 times'],
      ['metadata=customer', 'metadata.<key>=<value>'],
      ['metadata.__proto__=x', 'metadata.__proto__: key must be'],
    ];
    for (const [query, message] of cases) {
      const res = await http(svc.url, 'GET', `${ops(bank)}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message, query).toContain(message);
    }
  });

  it('refuses metadata past its limits with a 400 naming the limit, and creates no operation', async () => {
    const bank = uniqueBank('meta');
    const seventeen = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const cases: [unknown, string][] = [
      [seventeen, 'metadata: must have at most 16 keys (got 17)'],
      [{ ['k'.repeat(65)]: 'v' }, 'key must be 1 to 64 characters'],
      [{ 'a b': 'v' }, 'metadata.a b: key must be 1 to 64 characters of letters, digits, "_", "." or "-"'],
      [{ '': 'v' }, 'key must be 1 to 64 characters'],
      [JSON.parse('{"__proto__": "v"}'), 'metadata.__proto__: key must be'],
      [{ customer: 'v'.repeat(257) }, 'metadata.customer: must be at most 256 characters'],
      [{ customer: 'a\u0000b' }, 'metadata.customer: must not contain NUL'],
      [{ batch: 7 }, 'metadata.batch: must be a string'],
      [['customer', 'acme'], 'metadata:'],
      ['acme', 'metadata:'],
    ];
    for (const [metadata, message] of cases) {
      for (const [path, body] of [
        [`${bankPath(bank)}/memories`, { items: documents(1), async: true, metadata }],
        [`${bankPath(bank)}/memories`, { items: documents(1), metadata }],
        [`${bankPath(bank)}/graph/update`, { metadata }],
        [`${bankPath(bank)}/observations/regenerate`, { metadata }],
      ] as const) {
        const res = await http(svc.url, 'POST', path, body);
        expect(res.status, `${path} ${JSON.stringify(metadata)}`).toBe(400);
        expect(res.body.error.message).toContain(message);
      }
    }
    // At the limits exactly, it is accepted.
    const atLimits = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [
        `${'k'.repeat(62)}${String(i).padStart(2, '0')}`,
        'v'.repeat(256),
      ]),
    );
    const list = await http(svc.url, 'GET', ops(bank));
    expect(list.body.total).toBe(0);
    const ok = await submit(bank, { metadata: atLimits });
    expect(ok.status, JSON.stringify(ok.body)).toBe(202);
    expect(ok.body.metadata).toEqual(atLimits);
  });

  it('is part of an idempotent request: the same id with other labels is refused with 409', async () => {
    const bank = uniqueBank('meta');
    const items = documents(2);
    const first = await submit(bank, { items, operation_id: 'import-1', metadata: { customer: 'acme' } });
    expect(first.status).toBe(202);
    const again = await submit(bank, { items, operation_id: 'import-1', metadata: { customer: 'acme' } });
    expect(again.status).toBe(202);
    expect(again.body.operation_id).toBe('import-1');
    const other = await submit(bank, { items, operation_id: 'import-1', metadata: { customer: 'globex' } });
    expect(other.status).toBe(409);
    expect((await http(svc.url, 'GET', operationPath(bank, 'import-1'))).body.metadata).toEqual({
      customer: 'acme',
    });
  });

  it("a retry carries the original's metadata over, so the filter finds both", async () => {
    const bank = uniqueBank('meta');
    const marker = `FLAKY${Date.now()}`;
    provider.poison(marker);
    const metadata = { customer: 'acme', batch: '9' };
    const res = await http(svc.url, 'POST', `${bankPath(bank)}/memories`, {
      items: [{ content: 'Alice moved to Paris.' }, { content: `${marker} Bob opened a bakery in Oslo.` }],
      async: true,
      metadata,
    });
    expect(res.status).toBe(202);
    const first = (await waitForOperation(svc.url, bank, res.body.operation_id)).operation;
    expect(first.result.failed_items).toHaveLength(1);

    provider.cure(marker);
    const retried = await http(svc.url, 'POST', `${operationPath(bank, first.operation_id)}/retry`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.operation.metadata).toEqual(metadata);
    const second = (await waitForOperation(svc.url, bank, retried.body.operation_id)).operation;
    expect(second.status).toBe('completed');
    expect(second.metadata).toEqual(metadata);
    expect(await listIds(bank, 'metadata.batch=9')).toEqual([first.operation_id, second.operation_id].sort());
  });

  it('works from the TypeScript client: submit with metadata, read it back, filter the list', async () => {
    const bank = uniqueBank('meta');
    const client = new HindsightClient({ baseUrl: svc.url });
    const submitted = await client.retainBatchAsync({
      bankId: bank,
      contents: [{ content: 'Alice moved to Paris.' }],
      metadata: { customer: 'acme', 'Source_File.v2': 'a.csv' },
    });
    // Label keys are the caller's own: never camelCased.
    expect(submitted.metadata).toEqual({ customer: 'acme', 'Source_File.v2': 'a.csv' });
    const graph = await client.updateGraph({ bankId: bank, metadata: { customer: 'globex' } });
    expect(graph.metadata).toEqual({ customer: 'globex' });
    const observations = await client.regenerateObservations({ bankId: bank, metadata: { customer: 'x' } });
    expect(observations.metadata).toEqual({ customer: 'x' });

    const found = await client.listOperations({ bankId: bank, metadata: { customer: 'acme' } });
    expect(found.map((o) => o.operationId)).toEqual([submitted.operationId]);
    expect(found.total).toBe(1);
    const got = await client.getOperation({ bankId: bank, operationId: submitted.operationId });
    expect(got.metadata).toEqual(submitted.metadata);
    const iterated = [];
    for await (const op of client.iterateOperations({ bankId: bank, metadata: { customer: 'globex' } })) {
      iterated.push(op.operationId);
    }
    expect(iterated).toEqual([graph.operationId]);

    await expect(
      client.retainBatchAsync({ bankId: bank, contents: [{ content: 'x' }], metadata: { 'a b': 'c' } }),
    ).rejects.toBeInstanceOf(BadRequestError);
  });

  it('works from the CLI: retain --meta labels the operation, operations list --meta filters on it', async () => {
    const bank = uniqueBank('meta');
    const dir = mkdtempSync(join(tmpdir(), 'meta-cli-'));
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'Alice moved to Paris.');
    const retained = await runCli([
      '--api-url',
      svc.url,
      'retain',
      bank,
      '--files',
      file,
      '--meta',
      'customer=acme',
      '--meta',
      'batch=7',
    ]);
    expect(retained.code, retained.stderr).toBe(0);
    const id = /Started operation (\S+)/.exec(retained.stdout)?.[1] as string;
    expect(id).toBeTruthy();
    expect((await http(svc.url, 'GET', operationPath(bank, id))).body.metadata).toEqual({
      customer: 'acme',
      batch: '7',
    });
    await submit(bank, { metadata: { customer: 'globex' } });

    const listed = await runCli([
      '--api-url',
      svc.url,
      'operations',
      'list',
      bank,
      '--meta',
      'customer=acme',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('1 of 1 operation');
    const shown = await runCli(['--api-url', svc.url, 'operations', 'get', bank, id]);
    expect(shown.stdout).toMatch(/Metadata: +batch=7, customer=acme/);

    const bad = await runCli(['--api-url', svc.url, 'operations', 'list', bank, '--meta', 'customer']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('must be key=value');
    const refused = await runCli(['--api-url', svc.url, 'operations', 'list', bank, '--meta', 'a b=c']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('key must be 1 to 64 characters');
  });

  it('works from the Python client (its test_operation_metadata against this service)', async () => {
    const cwd = fileURLToPath(new URL('../clients/python', import.meta.url));
    const args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_api.py', '-k', 'metadata'];
    const { code, output } = await runPython(args, { cwd, env: pythonEnv({ HINDSIGHT_API_URL: svc.url }) });
    expect(output).toMatch(/1 passed/);
    expect(code, output).toBe(0);
  }, 120_000);
});
