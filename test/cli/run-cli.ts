import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/hindsight.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<CliResult>;
}

/** Environment without the variables the CLI reads, so only the arguments of a test count. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.HINDSIGHT_API_URL;
  delete env.HINDSIGHT_API_KEY;
  return { ...env, ...extra, NO_COLOR: '1' };
}

export function startCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): RunningCli {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    changed();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      changed();
      resolve({ code, stdout, stderr });
    });
  });
  const output = () => stdout + stderr;
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(output())) {
          cleanup();
          resolve();
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`exited (${child.exitCode}) before printing ${pattern}:\n${output()}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern}:\n${output()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return { child, output, waitFor, exited };
}

/** `node bin/hindsight.js ...args` with pipes (not a terminal). */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return startCommand(process.execPath, [BIN, ...args], options);
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return startCli(args, options).exited;
}

/** Runs the CLI inside a real pseudo-terminal (Python's pty module), so stdout.isTTY is true. */
export function startCliInPty(args: string[], options: { cwd?: string } = {}) {
  const script = 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';
  return startCommand('python3', ['-c', script, process.execPath, BIN, ...args], options);
}
