import { type ChildProcess, spawn } from 'node:child_process';

export interface SupervisedChildOptions {
  /** What the watchdog sends when our end of the pipe closes. */
  stopSignal: 'TERM' | 'INT';
  /** Run as this user (when we are root and the program refuses root, as PostgreSQL does). */
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
}

const WATCHDOG = [
  // Background jobs get /dev/null as stdin: keep ours on fd 3 for the watcher.
  'exec 3<&0',
  '"$0" "$@" & server=$!',
  '(cat <&3 >/dev/null; kill -"$WATCHDOG_SIGNAL" $server 2>/dev/null) &',
  'wait $server',
].join('\n');

/**
 * Starts a server program in its own process group, so that a terminal's Ctrl-C reaches only us and we stop
 * it after the worker has drained. A watchdog shell sends it `stopSignal` when our end of its stdin closes,
 * which happens however we die (even SIGKILL), so no server outlives the service for long.
 */
export function spawnSupervised(
  command: string,
  args: string[],
  options: SupervisedChildOptions,
): ChildProcess {
  return spawn('sh', ['-c', WATCHDOG, command, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    uid: options.uid,
    gid: options.gid,
    env: { ...(options.env ?? process.env), WATCHDOG_SIGNAL: options.stopSignal },
  });
}

/** Keeps the last `limit` characters a child printed, for error messages. */
export function outputTail(child: ChildProcess, limit = 8_000): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Asks the watchdog to stop the server (closing its stdin), and kills the group if it takes too long. */
export function stopSupervised(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => killGroup(child), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.stdin?.end();
  });
}
