import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCommand } from '../cli/run-cli.js';
import { startService } from '../support/service.js';
import { documentText, uniqueBank } from './fixtures.js';

// The Node.js examples of the operations guide, copied verbatim, run as plain JavaScript files with
// `client` bound to this package's client. Only the bank id and the example operation id are swapped
// for real ones, so each run starts from a clean bank.

const CLIENT_ENTRY = fileURLToPath(new URL('../../clients/typescript/src/index.ts', import.meta.url));

const ASYNC_BATCH_RETAIN = `
// Start async batch retain
const operation = await client.retainBatchAsync({
    bankId: 'my-bank',
    contents: [
        { content: doc1Text },
        { content: doc2Text },
        // ... hundreds or thousands of documents
    ]
});

console.log(\`Operation ID: \${operation.operationId}\`);
console.log(\`Status: \${operation.status}\`);

// Check status
const status = await client.getOperation({
    bankId: 'my-bank',
    operationId: operation.operationId
});

console.log(\`Status: \${status.status}\`);
console.log(\`Progress: \${status.progress}/\${status.total}\`);

// Wait for completion
async function waitForOperation(bankId, operationId) {
    while (true) {
        const status = await client.getOperation({ bankId, operationId });
        if (['completed', 'failed'].includes(status.status)) {
            return status;
        }
        console.log(\`Progress: \${status.progress}/\${status.total}\`);
        await new Promise(resolve => setTimeout(resolve, 5000));
    }
}

const finalStatus = await waitForOperation('my-bank', operation.operationId);
if (finalStatus.status === 'completed') {
    console.log(\`Created \${finalStatus.result.memoryIds.length} memories\`);
}
`;

const LIST_OPERATIONS = `
// List all operations
const operations = await client.listOperations({
    bankId: 'my-bank'
});

operations.forEach(op => {
    console.log(\`\${op.operationId}: \${op.type} - \${op.status}\`);
    if (op.status === 'running') {
        console.log(\`  Progress: \${op.progress}/\${op.total}\`);
    }
});

// Filter by status
const pending = await client.listOperations({
    bankId: 'my-bank',
    status: 'pending'
});
`;

const CANCEL_OPERATIONS = `
// Cancel operation
await client.cancelOperation({
    bankId: 'my-bank',
    operationId: 'op-abc123'
});

// Cancel all pending
const pending = await client.listOperations({
    bankId: 'my-bank',
    status: 'pending'
});

for (const op of pending) {
    await client.cancelOperation({
        bankId: 'my-bank',
        operationId: op.operationId
    });
}
`;

let service: Awaited<ReturnType<typeof startService>>;
let dir: string;

beforeAll(async () => {
  service = await startService({ bankConcurrency: 1 });
  dir = mkdtempSync(path.join(tmpdir(), 'hindsight-snippets-'));
}, 180_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await service?.stop();
}, 60_000);

/** Runs `prelude + snippet + epilogue` as an ES module with `client` in scope. */
async function runSnippet(
  name: string,
  snippet: string,
  bankId: string,
  extra = { prelude: '', epilogue: '' },
) {
  const file = path.join(dir, `${name}.mjs`);
  const source = [
    `import { HindsightClient } from ${JSON.stringify(CLIENT_ENTRY)};`,
    'const client = new HindsightClient();',
    `const doc1Text = ${JSON.stringify(documentText(1))};`,
    `const doc2Text = ${JSON.stringify(documentText(2))};`,
    extra.prelude,
    snippet.replaceAll("'my-bank'", JSON.stringify(bankId)),
    extra.epilogue,
  ].join('\n');
  writeFileSync(file, source);
  return startCommand(process.execPath, ['--import', 'tsx', file], {
    env: { HINDSIGHT_API_URL: service.url },
  }).exited;
}

describe('the guide’s Node.js examples, as written', () => {
  it('async batch retain', async () => {
    const result = await runSnippet('async-batch-retain', ASYNC_BATCH_RETAIN, uniqueBank('snippet-retain'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Operation ID: op-\S+\nStatus: (pending|running)\nStatus: \w+\nProgress: \d+\/2\n/,
    );
    expect(result.stdout).toMatch(/\nCreated [1-9]\d* memories\n$/);
  }, 60_000);

  it('list operations', async () => {
    const bankId = uniqueBank('snippet-list');
    const prelude = `
      const first = await client.retainBatchAsync({ bankId: ${JSON.stringify(bankId)}, contents: [{ content: doc1Text }] });
      await client.waitForOperation({ bankId: ${JSON.stringify(bankId)}, operationId: first.operationId, pollIntervalMs: 50 });
    `;
    const epilogue = "console.log('pending: ' + pending.length);";
    const result = await runSnippet('list-operations', LIST_OPERATIONS, bankId, { prelude, epilogue });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^op-\S+: batch_retain - completed$/m);
    expect(result.stdout).toMatch(/^pending: \d+$/m);
  }, 60_000);

  it('cancel operations', async () => {
    const bankId = uniqueBank('snippet-cancel');
    const bank = JSON.stringify(bankId);
    // A long operation runs; two more queue behind it. The example cancels one by id, then the rest.
    const prelude = `
      const contents = Array.from({ length: 5000 }, (_, i) => ({ content: \`Note \${i}: \${doc1Text}\` }));
      const blocker = await client.retainBatchAsync({ bankId: ${bank}, contents });
      while ((await client.getOperation({ bankId: ${bank}, operationId: blocker.operationId })).status === 'pending') {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const first = await client.retainBatchAsync({ bankId: ${bank}, contents: [{ content: doc1Text }] });
      const second = await client.retainBatchAsync({ bankId: ${bank}, contents: [{ content: doc2Text }] });
      const targetOperationId = first.operationId;
    `;
    const epilogue = `
      for (const id of [first.operationId, second.operationId]) {
        const op = await client.getOperation({ bankId: ${bank}, operationId: id });
        console.log(\`\${op.operationId === first.operationId ? 'first' : 'second'}: \${op.status}\`);
      }
      await client.cancelOperation({ bankId: ${bank}, operationId: blocker.operationId });
    `;
    const snippet = CANCEL_OPERATIONS.replace("'op-abc123'", 'targetOperationId');
    const result = await runSnippet('cancel-operations', snippet, bankId, { prelude, epilogue });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('first: cancelled\nsecond: cancelled\n');
  }, 90_000);
});
