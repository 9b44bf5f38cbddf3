// Runs once, on the embedded leg: the fuzzer probes the HTTP layer and the OpenAPI document, which do not change
// with the store engine, and a run takes minutes. The PostgreSQL leg excludes test/fuzz/**.
//
// Schema-driven fuzzing of the whole API with Schemathesis: every operation of /openapi.json gets generated
// valid and invalid requests (examples, coverage, fuzzing and stateful phases), and every answer is checked
// against the document: no 5xx, a documented status code and content type, a body matching the documented
// schema, and invalid input refused / valid input accepted. Settings that hold for every run, and the few
// checks switched off for one operation (each with its reason), are in schemathesis.toml beside this file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonEnv } from '../support/python.js';
import { startService, type TestService } from '../support/service.js';

/** The version whose CLI flags and checks this test was written against; CI installs exactly this one. */
const SCHEMATHESIS_VERSION = '4.32.5';
const INSTALL = 'npm run pretest';
const CONFIG = join(dirname(fileURLToPath(import.meta.url)), 'schemathesis.toml');
/** Test cases per API operation and phase; HINDSIGHT_FUZZ_EXAMPLES raises it for a longer local run. */
const EXAMPLES = positiveInt(process.env.HINDSIGHT_FUZZ_EXAMPLES, 25);
/** A fixed seed: CI sends the same requests on every run, and a failure reproduces with the same command. */
const SEED = positiveInt(process.env.HINDSIGHT_FUZZ_SEED, 20240315);

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a whole number >= 1, got "${raw}"`);
  return value;
}

/** The installed version, or undefined when `python3 -m schemathesis.cli` does not run. */
function installedVersion(): string | undefined {
  const probe = spawnSync('python3', ['-m', 'schemathesis.cli', '--version'], {
    encoding: 'utf8',
    env: pythonEnv(),
  });
  if (probe.error || probe.status !== 0) return undefined;
  return /version\s+(\S+)/.exec(probe.stdout)?.[1];
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Asynchronous on purpose: the service under test answers from this same process's event loop. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: pythonEnv({ NO_COLOR: '1', COLUMNS: '120', PYTHONIOENCODING: 'utf-8' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`schemathesis did not finish within ${timeoutMs / 1000} s:\n${output.slice(-20_000)}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The part of the report worth reading in a test failure: from the first failure to the summary. */
function excerpt(output: string): string {
  const start = output.indexOf('= FAILURES =');
  const from = start >= 0 ? output.lastIndexOf('\n', start) + 1 : 0;
  const text = output.slice(from);
  return text.length > 60_000 ? `${text.slice(0, 30_000)}\n…\n${text.slice(-30_000)}` : text;
}

// Minutes, not seconds: about 25 examples × 23 operations × 3 phases plus the stateful scenarios, one request
// at a time. A raised HINDSIGHT_FUZZ_EXAMPLES scales it.
const RUN_TIMEOUT_MS = Math.max(10 * 60_000, EXAMPLES * 30_000);

let svc: TestService;
let workDir: string;
beforeAll(async () => {
  svc = await startService();
  workDir = mkdtempSync(join(tmpdir(), 'hindsight-fuzz-'));
});
afterAll(async () => {
  await svc?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('schemathesis against /openapi.json', () => {
  it(
    'finds no server error and no answer that disagrees with the document',
    async () => {
      const version = installedVersion();
      if (!version) {
        throw new Error(`schemathesis is not installed for python3: run \`${INSTALL}\``);
      }
      expect(
        version,
        `schemathesis ${version} is installed; this test expects ${SCHEMATHESIS_VERSION}: ${INSTALL}`,
      ).toBe(SCHEMATHESIS_VERSION);

      const args = [
        '-m',
        'schemathesis.cli',
        '--config-file',
        CONFIG,
        'run',
        `${svc.url}/openapi.json`,
        '--max-examples',
        String(EXAMPLES),
        '--seed',
        String(SEED),
      ];
      const result = await run('python3', args, workDir, RUN_TIMEOUT_MS);
      const command = `python3 ${args.join(' ')}`;
      if (result.code !== 0) {
        throw new Error(
          `schemathesis exited with ${result.code} (seed ${SEED}, ${EXAMPLES} examples per operation).\n` +
            `Command: ${command}\n\n${excerpt(result.output)}`,
        );
      }
      // A run that skipped operations, or generated nothing, would exit 0 as well. Loaded from a URL,
      // schemathesis leaves out the document's own operation (GET /openapi.json): every other one is tested.
      const document = (await (await fetch(`${svc.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      const summary = result.output.slice(-5_000);
      const selected = /Selected:\s+(\d+)\/(\d+)/.exec(result.output);
      const tested = /Tested:\s+(\d+)/.exec(result.output);
      expect(Number(selected?.[2]), summary).toBe(operations - 1);
      expect(Number(tested?.[1]), summary).toBe(operations - 1);
      const generated = Number(/(\d+) generated/.exec(result.output)?.[1] ?? 0);
      expect(generated, summary).toBeGreaterThan(operations);
    },
    RUN_TIMEOUT_MS + 60_000,
  );
});
