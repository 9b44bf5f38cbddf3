// The all-in-one service as `npm start` runs it: embedded Temporal and PostgreSQL servers under one data
// directory. Killed outright, stopped with Ctrl-C, interrupted while starting, or pointed at an old store.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildService,
  killAllChildren,
  spawnService,
  waitForHealthy,
} from '../support/child-service.js';
import {
  AnswerLog,
  attempt,
  cleanRun,
  expectExactMemories,
  pollOperation,
  restartablePort,
  teardown,
} from '../support/faults.js';
import { documents, waitFor } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

const DOCS = 1_500;
const CHUNK = 100;
const docs = documents(DOCS);
const dirs: string[] = [];
let reference: TestService | undefined;

interface AllInOne {
  base: string;
  dataDir: string;
  start(): ChildService;
}

/** `npm start`'s mode with its own data directory and ports, the same ones at every start. */
async function allInOne(): Promise<AllInOne> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hindsight-embedded-'));
  dirs.push(dataDir);
  const [api, temporal, ui, postgres] = [
    await restartablePort(),
    await restartablePort(),
    await restartablePort(),
    await restartablePort(),
  ];
  const env = {
    HINDSIGHT_DATA_DIR: dataDir,
    HINDSIGHT_PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    HINDSIGHT_POSTGRES_PORT: String(postgres),
    HINDSIGHT_LOG_LEVEL: 'info',
    HINDSIGHT_CHUNK_SIZE: String(CHUNK),
  };
  return { base: `http://127.0.0.1:${api}`, dataDir, start: () => spawnService('all', env) };
}

/** Processes (servers included) whose command line names the data directory. */
function processesOf(dataDir: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(dataDir) && !line.includes(' ps -eo'));
}

const postmasterPid = (dataDir: string) =>
  Number.parseInt(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8'), 10);

beforeAll(async () => {
  reference = await startService({ chunkSize: CHUNK });
});

afterAll(() =>
  teardown(
    () => killAllChildren(),
    () => reference?.stop(),
    ...dirs.map((dir) => () => {
      for (const line of processesOf(dir)) {
        try {
          process.kill(Number.parseInt(line.trim(), 10), 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }),
  ),
);

describe('the embedded PostgreSQL store', () => {
  it('survives SIGKILL of the whole service mid-batch, servers included, and finishes exactly', async () => {
    const expected = await cleanRun(reference!.url, docs);
    const service = await allInOne();
    let child = service.start();
    await waitForHealthy(service.base, child);
    const bank = uniqueBank('sigkill');
    const log = new AnswerLog();
    const submitted = await attempt(service.base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: docs,
      async: true,
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const operationId: string = submitted.body.operation_id;
    const seen = await pollOperation(() => service.base, bank, operationId, {
      until: (op) => op.status !== 'pending' && (op.progress >= DOCS / 4 || op.status !== 'running'),
      timeoutMs: 90_000,
      log,
    });
    expect(seen.status, 'the batch ended before the kill').toBe('running');

    // Power loss: the process group dies at once, the servers' watchdogs stop them behind it.
    await child.kill('SIGKILL');
    child = service.start();
    await waitForHealthy(service.base, child);
    const operation = await pollOperation(() => service.base, bank, operationId, { timeoutMs: 120_000, log });
    await expectExactMemories(service.base, bank, operation, expected, { bankHoldsOnlyThis: true });
    expect(log.serverErrors).toEqual([]);

    // Ctrl-C: the worker drains, then every server of this data directory stops.
    await child.kill('SIGINT');
    expect(processesOf(service.dataDir)).toEqual([]);
  }, 300_000);

  it('stops a PostgreSQL server left running by a killed run, then starts on its data', async () => {
    const service = await allInOne();
    let child = service.start();
    await waitForHealthy(service.base, child);
    const bank = uniqueBank('orphan');
    const submitted = await attempt(service.base, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: documents(20),
    });
    expect(submitted.status).toBe(200);

    // The watchdog dies too (an OOM kill of the whole tree but the server, say): the postmaster is orphaned.
    const postmaster = postmasterPid(service.dataDir);
    const watchdog = Number(
      execFileSync('ps', ['-o', 'ppid=', '-p', String(postmaster)], { encoding: 'utf8' }),
    );
    process.kill(watchdog, 'SIGKILL');
    await child.kill('SIGKILL');
    expect(() => process.kill(postmaster, 0), 'the orphaned postmaster should still run').not.toThrow();

    child = service.start();
    await waitForHealthy(service.base, child);
    expect(postmasterPid(service.dataDir)).not.toBe(postmaster);
    const memories = await attempt(service.base, 'GET', `/v1/default/banks/${bank}/memories?limit=100`);
    expect(memories.body.total).toBe(submitted.body.memory_ids.length);
    expect(memories.body.total).toBeGreaterThan(0);
    await child.kill('SIGINT');
    expect(processesOf(service.dataDir)).toEqual([]);
  }, 180_000);

  it('stops everything it started when Ctrl-C comes during start-up', async () => {
    const service = await allInOne();
    const child = service.start();
    await waitFor('the Temporal dev server to start', async () =>
      child.output().includes('Temporal dev server started'),
    );
    const signalled = Date.now();
    await child.kill('SIGINT');
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(processesOf(service.dataDir)).toEqual([]);
  }, 120_000);

  it('refuses to start on a store written by the earlier embedded engine, and says what to do', async () => {
    const service = await allInOne();
    const legacy = join(service.dataDir, 'pglite');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'PG_VERSION'), '17\n');
    const child = service.start();
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.output()).toContain(`mv ${legacy} ${legacy}.old`);
    expect(readFileSync(join(legacy, 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(processesOf(service.dataDir)).toEqual([]);
  }, 60_000);
});
