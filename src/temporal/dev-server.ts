import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import type { Logger } from '../logger.js';
import { killGroup, outputTail, spawnSupervised, stopSupervised } from '../process/supervised-child.js';
import { MISSING_CLI_HELP, resolveTemporalCli } from './cli-path.js';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

export interface DevServerOptions {
  /** SQLite file; undefined keeps everything in memory (tests). */
  dbFilename: string | undefined;
  port: number;
  /** undefined: no Web UI */
  uiPort: number | undefined;
  namespace: string;
  cliPath: string | undefined;
  /**
   * How long the namespace keeps closed workflows' histories; set, it is raised to at least this (at least a
   * day, Temporal's minimum), so histories outlive the operation rows they belong to. Undefined: as created.
   */
  retentionMs?: number | undefined;
  /** `KEY=JSON` pairs, e.g. lowered history limits in tests. */
  dynamicConfig?: Record<string, unknown>;
  logger: Logger;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

function devServerArgs(o: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'warn'];
  args.push('--namespace', o.namespace);
  if (o.dbFilename) args.push('--db-filename', o.dbFilename);
  args.push(...(o.uiPort ? ['--ui-port', String(o.uiPort)] : ['--headless']));
  for (const { name, type } of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${type}`);
  // SQLite with one connection is the dev server's bottleneck; WAL without fsync is what the SDK's own CI uses.
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  for (const [key, value] of Object.entries(o.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

async function waitUntilServing(address: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Temporal dev server exited with code ${child.exitCode}:\n${output()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Temporal dev server at ${address} did not come up: ${error}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const DAY_MS = 86_400_000;

/**
 * The dev server creates its namespace with a retention of its own (a day); this sets the one that agrees
 * with HINDSIGHT_OPERATION_RETENTION, so the Temporal UI still shows the history of an operation the API shows.
 */
async function keepHistories(address: string, namespace: string, retentionMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(Math.max(DAY_MS, retentionMs)) },
    });
  } finally {
    await connection.close();
  }
}

/** Starts the real `temporal server start-dev` binary and resolves once it answers gRPC calls. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli(options.cliPath);
  if (!cli) return startDownloadedDevServer(options);
  if (options.dbFilename) mkdirSync(dirname(options.dbFilename), { recursive: true });
  const child = spawnSupervised(cli.path, devServerArgs(options), { stopSignal: 'TERM' });
  const output = outputTail(child);
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child, output);
    if (options.retentionMs !== undefined)
      await keepHistories(address, options.namespace, options.retentionMs);
  } catch (error) {
    killGroup(child);
    throw error;
  }
  options.logger.info({ address, cli: cli.path, source: cli.source }, 'Temporal dev server started');
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => stopSupervised(child),
  };
}

/** Last resort on machines with internet access: the SDK downloads the CLI itself. */
async function startDownloadedDevServer(options: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  options.logger.warn('No local Temporal CLI; trying the SDK download');
  let env: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: options.port,
        dbFilename: options.dbFilename,
        ui: options.uiPort !== undefined,
        uiPort: options.uiPort,
        namespace: options.namespace,
        searchAttributes: SEARCH_ATTRIBUTES.map(({ name }) => ({ name, type: 'KEYWORD' as const })),
        extraArgs: ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
      },
    });
  } catch (error) {
    throw new Error(`${MISSING_CLI_HELP} (SDK download failed: ${error})`);
  }
  const address = `127.0.0.1:${options.port}`;
  try {
    if (options.retentionMs !== undefined)
      await keepHistories(address, options.namespace, options.retentionMs);
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
