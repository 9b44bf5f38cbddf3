import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundlerOptions, workflowSandboxOptions } from '../../src/temporal/worker.js';

/** The same computation outside the sandbox, to size one that takes about `ms` on this machine now. */
function iterationsFor(ms: number): number {
  const probe = 20_000_000;
  const started = performance.now();
  let x = 0;
  for (let i = 0; i < probe; i++) x = (x * 31 + i) % 1_000_003;
  const took = Math.max(1, performance.now() - started + (x < 0 ? 1 : 0));
  return Math.ceil((probe / took) * ms);
}

const LONGER_THAN_SDK_DEFAULT_MS = 7_000; // the SDK stops an activation after 5 s unless told otherwise

let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let client: Client;
const taskQueue = `long-activation-${randomUUID()}`;

beforeAll(async () => {
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../workflows/long-activation.ts', import.meta.url)),
      ...bundlerOptions,
    }),
    ...workflowSandboxOptions,
  });
  running = worker.run();
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await connection?.close();
});

describe('a workflow activation that runs for seconds', () => {
  it('completes, and the worker lives on to run the next workflow', async () => {
    const iterations = iterationsFor(LONGER_THAN_SDK_DEFAULT_MS);
    const run = (n: number) =>
      client.workflow.execute('longActivation', {
        taskQueue,
        workflowId: `long-activation-${randomUUID()}`,
        args: [n],
        workflowTaskTimeout: '2 minutes',
      });
    await expect(run(iterations)).resolves.toEqual(expect.any(Number));
    expect(worker.getState()).toBe('RUNNING');
    await expect(run(10)).resolves.toEqual(expect.any(Number));
  }, 120_000);
});
