import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type ServiceMode = 'all' | 'api' | 'worker';

export interface ChildService {
  readonly pid: number;
  /** The last few kilobytes of stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal to the whole process group and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

// Every child ever spawned, so a failing test (or a crashing test process) leaves no service behind.
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/**
 * Runs `node --import tsx src/main.ts <mode>` as a separate process in its own process group, as an operator
 * would run it, with only the configuration given here (the test process's own HINDSIGHT_, TEMPORAL_ and
 * DATABASE_URL variables are not inherited).
 */
export function spawnService(mode: ServiceMode, env: Record<string, string>): ChildService {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('HINDSIGHT_') || key.startsWith('TEMPORAL_') || key === 'DATABASE_URL') continue;
    base[key] = value;
  }
  // The Temporal CLI location is not part of what a test configures; keep it when the suite was given one.
  if (process.env.TEMPORAL_CLI_PATH) base.TEMPORAL_CLI_PATH = process.env.TEMPORAL_CLI_PATH;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', mode], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start src/main.ts ${mode}`);
  return {
    pid: child.pid,
    output: () => output,
    exited,
    kill: async (signal = 'SIGKILL') => {
      killGroup(child, signal);
      await exited;
    },
  };
}

/** Kills every child still running (afterAll), waiting for each to exit. */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      killGroup(child, 'SIGKILL');
      await exited;
    }),
  );
}

/** Waits until the child's API answers `GET /health` with 200; fails at once if the child exits first. */
export async function waitForHealthy(url: string, child: ChildService, timeoutMs = 90_000): Promise<void> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`service exited before it was healthy:\n${child.output()}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`service at ${url} not healthy after ${timeoutMs} ms:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
