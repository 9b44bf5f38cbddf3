import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The package as a user gets it: packed, installed into an empty project, and used from there with the
// README's own examples. Nothing here reads the source tree but the README and the tarball.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

/** The README's TypeScript examples, by the file name their first line gives. */
function readmeExamples(): Record<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const examples: Record<string, string> = {};
  for (const [, name, code] of readme.matchAll(/```ts\n\/\/ ([\w-]+\.ts)\b[^\n]*\n([\s\S]*?)```/g)) {
    examples[name!] = code!;
  }
  return examples;
}

let dir: string;
let app: string;
let svc: TestService;
const examples = readmeExamples();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hindsight-package-'));
  app = path.join(dir, 'app');
  mkdirSync(app);
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT });
  const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
  );
  // Without install scripts: they fetch the Temporal CLI for the embedded server, which a client does not use.
  await run(
    'npm',
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--silent', tarball],
    { cwd: app },
  );
  // The README's examples talk to the default task queue.
  svc = await startService({ taskQueue: 'hindsight' });
}, 600_000);

afterAll(async () => {
  await svc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed in an empty project', () => {
  it('has README examples for the client and the child-workflow helper', () => {
    expect(Object.keys(examples).sort()).toEqual(['client-example.ts', 'workflows.ts']);
  });

  it('type-checks the README examples against its declarations, and rejects a wrong call', async () => {
    for (const [name, code] of Object.entries(examples)) writeFileSync(path.join(app, name), code);
    writeFileSync(
      path.join(app, 'misuse.ts'),
      `import { HindsightClient } from 'hindsight-temporal/client';
       // @ts-expect-error bankId is required
       await new HindsightClient().getOperation({ operationId: 'op-1' });\n`,
    );
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['*.ts'],
      }),
    );
    const checked = await run(TSC, ['-p', app]).catch((error: { stdout: string }) => error);
    expect(checked.stdout).toBe('');
  }, 120_000);

  it('runs the client example against the service', async () => {
    const bank = uniqueBank('readme');
    const code = examples['client-example.ts']!.replace('http://127.0.0.1:8888', svc.url).replaceAll(
      "'my-bank'",
      `'${bank}'`,
    );
    writeFileSync(path.join(app, 'client-run.ts'), code);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'client-run.ts'], { cwd: app });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^completed: [1-9]\d* memories$/);
    const ops = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations`);
    expect(lines.slice(1)).toEqual(
      ops.body.operations.map((o: any) => `${o.operation_id} ${o.type} ${o.status} ${o.progress}/${o.total}`),
    );
    expect(lines.length).toBeGreaterThan(1);
  }, 120_000);

  it('runs the child-workflow example, and the child is an operation of the API', async () => {
    writeFileSync(path.join(app, 'workflows.ts'), examples['workflows.ts']!);
    // The application's own worker, from the application's own dependencies.
    writeFileSync(
      path.join(app, 'worker.ts'),
      `import { NativeConnection, Worker } from '@temporalio/worker';
       const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
       const worker = await Worker.create({
         connection,
         taskQueue: process.env.TASK_QUEUE!,
         workflowsPath: new URL('./workflows.ts', import.meta.url).pathname,
       });
       console.log('worker ready');
       await worker.run();\n`,
    );
    const taskQueue = `readme-parents-${randomUUID()}`;
    const worker = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      cwd: app,
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('worker ready')) resolve();
        });
        worker.on('exit', (code) => reject(new Error(`the application's worker exited with ${code}`)));
      });
      const bank = uniqueBank('child');
      const operationId = `op-readme-${randomUUID().slice(0, 8)}`;
      const notes = ['Alice moved to Paris in 2021.', 'Bob works at Acme.', 'Carla met Bob in Lima.'];
      const status = await svc.runtime.client.workflow.execute('ingestNotes', {
        taskQueue,
        workflowId: `readme-parent-${operationId}`,
        args: [{ bankId: bank, operationId, notes }],
      });
      expect(status).toBe('completed');
      const op = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations/${operationId}`);
      expect(op.body).toMatchObject({ type: 'batch_retain', status: 'completed', total: 3, progress: 3 });
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  }, 180_000);
});

describe('a Python client installed from the repository', () => {
  it('leaves no untracked build directory behind', async () => {
    // pip install ./clients/python writes clients/python/build/
    const ignored = await run(
      'git',
      ['check-ignore', 'clients/python/build/lib/hindsight_client/client.py'],
      {
        cwd: ROOT,
      },
    ).catch((error: { code: number }) => error);
    expect((ignored as { code?: number }).code ?? 0).toBe(0);
  });
});
