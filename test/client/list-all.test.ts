import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { runCli } from '../cli/run-cli.js';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// Walking every operation of a bank, past the first page, from the TypeScript client and the CLI.

const COUNT = 45;
let api: TestService;
let bankId: string;
let submitted: string[];

beforeAll(async () => {
  // No worker: every operation stays pending, so the bank's list holds exactly what was submitted.
  api = await startService({ worker: false });
  bankId = uniqueBank('walk');
  submitted = [];
  for (let i = 0; i < COUNT; i++) {
    const res = await http(api.url, 'POST', `/v1/default/banks/${bankId}/memories`, {
      async: true,
      items: [{ content: `Document number ${i} mentions Paris.` }],
    });
    expect(res.status).toBe(202);
    submitted.push(res.body.operation_id);
  }
}, 180_000);

afterAll(async () => {
  await api?.stop();
}, 60_000);

describe('every operation of a bank', () => {
  it('is yielded once each, newest first, by the client async iterator', async () => {
    const client = new HindsightClient({ baseUrl: api.url });
    const first = await client.listOperations({ bankId });
    expect(first).toHaveLength(20);
    const ids: string[] = [];
    for await (const op of client.iterateOperations({ bankId, pageSize: 10 })) ids.push(op.operationId);
    expect(ids).toEqual([...submitted].reverse());
    const pending: string[] = [];
    for await (const op of client.iterateOperations({ bankId, status: 'completed' }))
      pending.push(op.operationId);
    expect(pending).toEqual([]);
  });

  it('is listed by the CLI with --all', async () => {
    const json = await runCli(['--api-url', api.url, '--json', 'operations', 'list', bankId, '--all']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).map((op: { operation_id: string }) => op.operation_id)).toEqual(
      [...submitted].reverse(),
    );
    const text = await runCli(['--api-url', api.url, 'operations', 'list', bankId, '--all']);
    expect(text.stdout.trim().split('\n')).toHaveLength(COUNT + 2); // header, rows, count
    expect(text.stdout).toContain(`${COUNT} operations`);
    const both = await runCli(['--api-url', api.url, 'operations', 'list', bankId, '--all', '--limit', '5']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--all.*cannot be used with.*--limit|--limit.*cannot be used with.*--all/);
  });
});
