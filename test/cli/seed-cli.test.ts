import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  HindsightClient,
  OperationCancelledError,
} from '../../clients/typescript/src/index.js';
import { documents, documentText, uniqueBank, waitUntilRunning } from '../client/fixtures.js';
import { startService } from '../support/service.js';
import { runCli, startCli, startCliInPty } from './run-cli.js';

const ESC = String.fromCharCode(27);

// Big enough to still be running while a test queues work behind it and watches.
const BLOCKER_SIZE = 5000;

let service: Awaited<ReturnType<typeof startService>>;
let client: HindsightClient;
let workdir: string;

beforeAll(async () => {
  // One operation at a time per bank, processed one chunk at a time: blockers outlast the slower CLI steps.
  service = await startService({ bankConcurrency: 1, chunkConcurrency: 1 });
  client = new HindsightClient({ baseUrl: service.url });
  workdir = mkdtempSync(path.join(tmpdir(), 'hindsight-cli-'));
  mkdirSync(path.join(workdir, 'docs'));
  for (let i = 0; i < 5; i++) writeFileSync(path.join(workdir, 'docs', `note-${i}.md`), documentText(i));
  writeFileSync(path.join(workdir, 'docs', 'skip.txt'), 'not markdown');
}, 180_000);

afterAll(async () => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  await service?.stop();
}, 60_000);

function hindsight(...args: string[]) {
  return runCli(['--api-url', service.url, ...args], { cwd: workdir });
}

async function submitAsync(bankId: string): Promise<string> {
  const result = await hindsight('retain', bankId, '--files', 'docs/*.md', '--async');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const id = /Operation ID: (\S+)/.exec(result.stdout)?.[1];
  expect(id).toBeDefined();
  return id as string;
}

async function settle(bankId: string, operationId: string): Promise<void> {
  await client.cancelOperation({ bankId, operationId }).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  });
  await client.waitForOperation({ bankId, operationId, pollIntervalMs: 50 }).catch((error: unknown) => {
    if (!(error instanceof OperationCancelledError)) throw error;
  });
}

describe('seed: async batch retain from the CLI', () => {
  it('retain --files docs/*.md --async prints the operation id; get and watch follow it', async () => {
    const bankId = uniqueBank('cli-retain');
    // The pattern is passed unexpanded here: the CLI expands it itself.
    const operationId = await submitAsync(bankId);

    const get = await hindsight('operations', 'get', bankId, operationId);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^Operation:\\s+${operationId}$`, 'm'));
    expect(get.stdout).toMatch(/Type:\s+batch_retain/);
    expect(get.stdout).toMatch(/Status:\s+(pending|running|completed)/);
    expect(get.stdout).toMatch(/Progress:\s+\d+\/5/);

    const watch = await hindsight('operations', 'watch', bankId, operationId, '--interval', '100');
    expect(watch.stderr).toBe('');
    expect(watch.code).toBe(0);
    expect(watch.stdout).toContain(`${operationId}  5/5  100%  completed`);
    expect(watch.stdout).toMatch(/Completed in .*: 5 items, \d+ memories/);

    const done = await hindsight('operations', 'get', bankId, operationId);
    expect(done.stdout).toMatch(/Status:\s+completed/);
    expect(done.stdout).toMatch(/Result:\s+5 items, \d+ memories, \d+ entit(y|ies), 0 failed/);

    // Each file became one document whose id is its path.
    const memories = await client.listMemories({ bankId, documentId: 'docs/note-3.md' });
    expect(memories.total).toBeGreaterThan(0);
  }, 90_000);

  it('accepts paths the shell already expanded and retains small sets synchronously', async () => {
    const bankId = uniqueBank('cli-sync');
    const result = await hindsight(
      'retain',
      bankId,
      '--files',
      'docs/note-0.md',
      'docs/note-1.md',
      '--context',
      'notes',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Retained 2 files into bank \S+: \d+ memories created$/m);
    const memories = await client.listMemories({ bankId, documentId: 'docs/note-1.md' });
    expect(memories.memories[0]?.context).toBe('notes');
  }, 60_000);

  it('submits sets over the synchronous limit as an operation and waits for it', async () => {
    const bankId = uniqueBank('cli-large');
    mkdirSync(path.join(workdir, 'many'), { recursive: true });
    for (let i = 0; i < 101; i++) writeFileSync(path.join(workdir, 'many', `doc-${i}.txt`), documentText(i));
    const result = await hindsight('retain', bankId, '--files', 'many', '--interval', '100');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^101 files \(\d+ KB\) exceed the synchronous limit .*: started operation \S+$/m,
    );
    expect(result.stdout).toMatch(/101\/101 {2}100% {2}completed/);
    expect(result.stdout).toMatch(/^Created \d+ memories$/m);
  }, 90_000);

  it('prints the server JSON with --json', async () => {
    const bankId = uniqueBank('cli-json');
    const submitted = await hindsight('--json', 'retain', bankId, '--files', 'docs/*.md', '--async');
    expect(submitted.code).toBe(0);
    const operation = JSON.parse(submitted.stdout) as Record<string, unknown>;
    expect(operation).toMatchObject({ bank_id: bankId, type: 'batch_retain', total: 5 });
    const id = operation.operation_id as string;

    await client.waitForOperation({ bankId, operationId: id, pollIntervalMs: 50 });
    const got = JSON.parse((await hindsight('operations', 'get', bankId, id, '--json')).stdout);
    expect(got).toMatchObject({ operation_id: id, status: 'completed', result: { items_count: 5 } });
    expect(Array.isArray(got.result.memory_ids)).toBe(true);

    const list = JSON.parse((await hindsight('operations', 'list', bankId, '--json')).stdout);
    expect(list).toMatchObject({ bank_id: bankId, limit: 20, offset: 0 });
    expect(list.operations.map((op: { operation_id: string }) => op.operation_id)).toContain(id);
  }, 60_000);
});

describe('seed: list operations from the CLI', () => {
  it('lists all operations as a table and filters by status', async () => {
    const bankId = uniqueBank('cli-list');
    const operationId = await submitAsync(bankId);
    await client.waitForOperation({ bankId, operationId, pollIntervalMs: 50 });

    const list = await hindsight('operations', 'list', bankId);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+CREATED$/);
    expect(list.stdout).toMatch(new RegExp(`${operationId}\\s+batch_retain\\s+completed\\s+5/5\\s+\\d{4}-`));
    expect(lines.at(-1)).toMatch(/^(\d+) of \1 operations?$/);

    const running = await hindsight('operations', 'list', bankId, '--status', 'running');
    expect(running.code).toBe(0);
    expect(running.stdout).not.toContain(operationId);
    expect(running.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ of \d+ operations?$/);

    const completed = await hindsight(
      'operations',
      'list',
      bankId,
      '--status',
      'completed',
      '--type',
      'batch_retain',
    );
    expect(completed.stdout).toContain(operationId);
    expect(completed.stdout).toMatch(/^1 of 1 operation$/m);
  }, 60_000);

  it('rejects bad arguments with the allowed values', async () => {
    const badStatus = await hindsight('operations', 'list', 'some-bank', '--status', 'finished');
    expect(badStatus.code).not.toBe(0);
    expect(badStatus.stderr).toContain('Allowed choices are pending, running, completed, failed, cancelled');

    const badLimit = await hindsight('operations', 'list', 'some-bank', '--limit', 'lots');
    expect(badLimit.code).not.toBe(0);
    expect(badLimit.stderr).toMatch(/--limit.*must be a whole number from 1 to 100/);

    const noTarget = await hindsight('operations', 'cancel', 'some-bank');
    expect(noTarget.code).not.toBe(0);
    expect(noTarget.stderr).toContain('--all-pending');

    const noFiles = await hindsight('retain', 'some-bank', '--files', 'nothing/*.md');
    expect(noFiles.code).toBe(1);
    expect(noFiles.stderr).toContain('no files match nothing/*.md');
  }, 60_000);

  it('reports unknown operations and an unreachable API', async () => {
    const missing = await hindsight('operations', 'get', uniqueBank('cli-missing'), 'op-missing');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*op-missing.* \[404 not_found\]$/m);

    const unreachable = await runCli(['--api-url', 'http://127.0.0.1:9', 'operations', 'list', 'my-bank']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the Hindsight API at http:\/\/127\.0\.0\.1:9: /);

    const fromEnv = await runCli(['operations', 'list', 'my-bank'], {
      env: { HINDSIGHT_API_URL: 'http://127.0.0.1:9' },
    });
    expect(fromEnv.stderr).toContain('cannot reach the Hindsight API at http://127.0.0.1:9');
  }, 60_000);
});

describe('seed: cancel operations from the CLI', () => {
  it('cancels one operation, then all pending ones', async () => {
    const bankId = uniqueBank('cli-cancel');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const queued = await submitAsync(bankId);
    const alsoQueued = await submitAsync(bankId);

    // Cancel operation
    const cancel = await hindsight('operations', 'cancel', bankId, queued);
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(
      new RegExp(`^(Cancelled ${queued} at \\d+/5|Cancellation requested for ${queued})`),
    );
    await settle(bankId, queued);

    // Cancel all pending
    const cancelAll = await hindsight('operations', 'cancel', bankId, '--all-pending');
    expect(cancelAll.code).toBe(0);
    expect(cancelAll.stdout).toMatch(/^Cancelled \d+ pending operations? in bank /);
    expect(cancelAll.stdout).toContain(alsoQueued);
    expect((await client.getOperation({ bankId, operationId: alsoQueued })).status).toBe('cancelled');

    const listed = await hindsight('operations', 'list', bankId, '--status', 'cancelled');
    expect(listed.stdout).toContain(queued);
    expect(listed.stdout).toContain(alsoQueued);

    await settle(bankId, blocker.operationId);
    const again = await hindsight('operations', 'cancel', bankId, blocker.operationId);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[409 conflict\]/);
  }, 120_000);
});

describe('seed: watch from the CLI', () => {
  it('exits 2 when the watched operation is cancelled', async () => {
    const bankId = uniqueBank('cli-watch-cancel');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const watch = startCli(['--api-url', service.url, 'operations', 'watch', bankId, blocker.operationId]);
    await watch.waitFor(new RegExp(`${blocker.operationId}  \\d+/${BLOCKER_SIZE}`));
    await client.cancelOperation({ bankId, operationId: blocker.operationId });
    const result = await watch.exited;
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/cancelled\n/);
    expect(result.stdout).toMatch(/^Cancelled at \d+\/5000/m);
  }, 90_000);

  it('watch --all follows every active operation, including ones that appear later', async () => {
    const bankId = uniqueBank('cli-watch-all');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const first = await client.retainBatchAsync({ bankId, contents: documents(5) });

    const watch = startCli([
      '--api-url',
      service.url,
      'operations',
      'watch',
      bankId,
      '--all',
      '--interval',
      '200',
    ]);
    await watch.waitFor(new RegExp(first.operationId));
    const later = await client.retainBatchAsync({ bankId, contents: documents(5, 5) });
    await watch.waitFor(new RegExp(later.operationId));
    await client.cancelOperation({ bankId, operationId: blocker.operationId });

    const result = await watch.exited;
    expect(result.stderr).toBe('');
    // One operation was cancelled, none failed.
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`${first.operationId}  5/5  100%  completed`);
    expect(result.stdout).toContain(`${later.operationId}  5/5  100%  completed`);
    expect(result.stdout).toMatch(/^All \d+ operations ended: .*cancelled/m);
    expect((await client.getOperation({ bankId, operationId: later.operationId })).status).toBe('completed');
  }, 120_000);

  it('watch --all --exit-when-idle says so when nothing is active', async () => {
    const result = await hindsight(
      'operations',
      'watch',
      uniqueBank('cli-idle'),
      '--all',
      '--exit-when-idle',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^No pending or running operations in bank /);
  }, 60_000);

  it('redraws a progress bar in place on a terminal', async () => {
    const bankId = uniqueBank('cli-pty');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const target = await client.retainBatchAsync({ bankId, contents: documents(400) });

    const watch = startCliInPty([
      '--api-url',
      service.url,
      'operations',
      'watch',
      bankId,
      target.operationId,
    ]);
    // The first frame shows the operation waiting behind the blocker; then it is let through.
    await watch.waitFor(/pending/);
    await settle(bankId, blocker.operationId);
    const result = await watch.exited;

    expect(result.code).toBe(0);
    const output = result.stdout;
    // Each frame goes back to the line's start and redraws it.
    const redraws = output.split('\x1b[1G').length - 1;
    expect(redraws).toBeGreaterThanOrEqual(2);
    expect(output).toMatch(/\[█{30}\]\s+400\/400\s+100%\s+completed/);
    expect(output).toMatch(/\[░+\]\s+0\/400\s+0%\s+pending/);
    expect(output).toContain('Completed in');
    // The cursor is hidden while drawing and shown again at the end.
    expect(output).toContain('\x1b[?25l');
    expect(output).toContain('\x1b[?25h');
  }, 120_000);

  it('draws one bar per operation with watch --all on a terminal', async () => {
    const bankId = uniqueBank('cli-pty-all');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const queued = await client.retainBatchAsync({ bankId, contents: documents(50) });

    const watch = startCliInPty(['--api-url', service.url, 'operations', 'watch', bankId, '--all']);
    await watch.waitFor(new RegExp(queued.operationId));
    await settle(bankId, blocker.operationId);
    const result = await watch.exited;

    expect(result.code).toBe(2);
    // Several lines are redrawn by moving the cursor back up over them.
    expect(result.stdout).toMatch(new RegExp(`${ESC}\\[\\d+A`));
    expect(result.stdout).toMatch(new RegExp(`${queued.operationId}  \\[█{30}\\]  50/50  100%  completed`));
    expect(result.stdout).toMatch(
      new RegExp(`${blocker.operationId}  \\[[█░]{30}\\]  \\d+/5000  \\d+%  cancelled`),
    );
  }, 120_000);
});
