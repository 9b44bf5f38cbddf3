import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// The packages as a user gets them: packed, each installed into an empty project of its own, and used from
// there with the README's own examples. Nothing here reads the source tree but the README and the tarballs.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent'];

/** The README's examples, by the file name their first line gives. */
function readmeExamples(): Record<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const examples: Record<string, string> = {};
  for (const [, name, code] of readme.matchAll(
    /```(?:ts|js)\n\/\/ ([\w-]+\.m?[jt]s)\b[^\n]*\n([\s\S]*?)```/g,
  )) {
    examples[name!] = code!;
  }
  return examples;
}

/** Bytes of every file under a directory. */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function pack(args: string[], destination: string): Promise<string> {
  const packed = await run('npm', ['pack', ...args, '--pack-destination', destination, '--silent'], {
    cwd: ROOT,
  });
  return path.join(destination, packed.stdout.trim().split('\n').pop()!);
}

let dir: string;
let svc: TestService;
const examples = readmeExamples();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hindsight-package-'));
  // The README's examples talk to the default task queue.
  svc = await startService({ taskQueue: 'hindsight' });
}, 600_000);

afterAll(async () => {
  await svc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the README has examples for the client and the child-workflow helper', () => {
  expect(Object.keys(examples).sort()).toEqual(['client-example.mjs', 'workflows.ts']);
});

describe('the client package, installed alone in a project made by npm init -y', () => {
  let app: string;
  let installMs: number;

  beforeAll(async () => {
    const tarball = await pack(['./clients/typescript'], dir);
    app = path.join(dir, 'client-app');
    mkdirSync(app);
    // A default project: CommonJS, no "type" field.
    await run('npm', ['init', '-y'], { cwd: app });
    const started = performance.now();
    // With install scripts: the client has none to run.
    await run('npm', [...NPM_INSTALL, tarball], { cwd: app });
    installMs = performance.now() - started;
  }, 300_000);

  it('installs the client and zod only, in seconds, with no install script', () => {
    const modules = path.join(app, 'node_modules');
    const installed = readdirSync(modules).filter((name) => !name.startsWith('.'));
    const bytes = diskBytes(modules);
    console.log(`client install: ${Math.round(installMs)} ms, node_modules ${(bytes / 1e6).toFixed(1)} MB`);
    expect(installed.sort()).toEqual(['hindsight-temporal-client', 'zod']);
    const manifest = JSON.parse(
      readFileSync(path.join(modules, 'hindsight-temporal-client', 'package.json'), 'utf8'),
    );
    expect(Object.keys(manifest.dependencies)).toEqual(['zod']);
    for (const hook of ['preinstall', 'install', 'postinstall'])
      expect(manifest.scripts?.[hook]).toBeUndefined();
    expect(bytes).toBeLessThan(10_000_000);
    expect(installMs).toBeLessThan(60_000);
  });

  it('type-checks the README example as TypeScript against its declarations, and rejects a wrong call', async () => {
    writeFileSync(path.join(app, 'client-example.mts'), examples['client-example.mjs']!);
    writeFileSync(
      path.join(app, 'misuse.mts'),
      `import { HindsightClient } from 'hindsight-temporal-client';
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
        include: ['*.mts'],
      }),
    );
    const checked = await run(TSC, ['-p', app]).catch((error: { stdout: string }) => error);
    expect(checked.stdout).toBe('');
  }, 120_000);

  it('runs the README example as written, with node, against the service', async () => {
    const bank = uniqueBank('readme');
    const code = examples['client-example.mjs']!.replace('http://127.0.0.1:8888', svc.url).replaceAll(
      "'my-bank'",
      `'${bank}'`,
    );
    writeFileSync(path.join(app, 'client-example.mjs'), code);
    const { stdout } = await run(process.execPath, ['client-example.mjs'], { cwd: app });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^completed: [1-9]\d* memories$/);
    const ops = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations`);
    const listed = lines.slice(1).map((line) => line.split(' ').slice(0, 2).join(' '));
    expect(listed).toContain(`${ops.body.operations.at(-1).operation_id} batch_retain`);
    expect(lines.length).toBeGreaterThan(1);
  }, 120_000);
});

describe('the service package, for the child-workflow helper', () => {
  let app: string;

  beforeAll(async () => {
    const tarball = await pack([], dir);
    app = path.join(dir, 'workflow-app');
    mkdirSync(app);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }),
    );
    // Without install scripts: they fetch the Temporal CLI for the embedded server, which this does not use.
    await run('npm', [...NPM_INSTALL, '--ignore-scripts', tarball], { cwd: app });
  }, 600_000);

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
