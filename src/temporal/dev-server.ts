import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger.js';
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

const WATCHDOG = [
  // Background jobs get /dev/null as stdin: keep ours on fd 3 for the watcher.
  'exec 3<&0',
  '"$0" "$@" & server=$!',
  '(cat <&3 >/dev/null; kill -TERM $server 2>/dev/null) &',
  'wait $server',
].join('\n');

/** Starts the real `temporal server start-dev` binary and resolves once it answers gRPC calls. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli(options.cliPath);
  if (!cli) return startDownloadedDevServer(options);
  if (options.dbFilename) mkdirSync(dirname(options.dbFilename), { recursive: true });
  // Its own process group, so a terminal's Ctrl-C reaches only us and we stop the server after the worker
  // has drained; a watchdog stops it when our end of its stdin closes, which happens however we die.
  const child = spawn('sh', ['-c', WATCHDOG, cli.path, ...devServerArgs(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child, () => output);
  } catch (error) {
    killGroup(child);
    throw error;
  }
  options.logger.info({ address, cli: cli.path, source: cli.source }, 'Temporal dev server started');
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => killGroup(child), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.stdin?.end();
  });
}

/** Last resort on machines with internet access: the SDK downloads the CLI itself. */
async function startDownloadedDevServer(options: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  options.logger.warn('No local Temporal CLI; trying the SDK download');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
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
    return {
      address: `127.0.0.1:${options.port}`,
      uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
      stop: () => env.teardown(),
    };
  } catch (error) {
    throw new Error(`${MISSING_CLI_HELP} (SDK download failed: ${error})`);
  }
}
