import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rssSampler, type Sampler, sleep } from './measure.js';
import { REPO_ROOT } from './settings.js';

export interface Reply<T = any> {
  status: number;
  body: T;
  ms: number;
}

/**
 * Real HTTP over loopback; the time is from sending to having read the whole answer. A request that finds
 * its pooled connection already closed by the server (the bench's own event loop was busy with the direct
 * pipeline past the server's keep-alive timeout) is sent once more; callers make their POSTs idempotent.
 */
export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        body: payload,
      });
    } catch (error) {
      const code = ((error as Error).cause as { code?: string } | undefined)?.code;
      if (attempt === 1 && (code === 'EPIPE' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')) continue;
      throw error;
    }
    const text = await res.text();
    const ms = performance.now() - started;
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, ms };
  }
}

export interface ServiceChild {
  pid: number;
  url: string;
  rss: Sampler;
  /** The embedded PostgreSQL server's postmaster, when the service runs one. */
  postgresPid(): number | undefined;
  /** TMPRL1104 lines the worker has logged: a workflow task ran over the SDK's 5 s warning threshold. */
  slowWorkflowTaskWarnings(): number;
  /** How many times the service's output has said `needle` so far (only needles given at start). */
  said(needle: string): number;
  /** The exit code or signal once the process has ended by itself, with the end of its output. */
  exit(): { code: number | null; signal: string | null; output: string } | undefined;
  /** SIGTERM (the worker drains, a CPU profile is written), SIGKILL if it has not exited in 30 s. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Runs the whole service (`node --import tsx src/main.ts all`: API and worker in one process) as an operator
 * would, against the given Temporal server and store, and samples its resident memory every 250 ms.
 */
export async function startService(options: {
  /** Without one the service starts its embedded Temporal dev server (on `TEMPORAL_PORT` in `env`). */
  temporalAddress?: string | undefined;
  /** Output lines to count (see `said`). */
  watchFor?: string[];
  dataDir: string;
  port: number;
  taskQueue: string;
  /** A system PostgreSQL database; without one the service runs its embedded server on `postgresPort`. */
  databaseUrl?: string | undefined;
  postgresPort?: number;
  nodeArgs?: string[];
  env?: Record<string, string>;
}): Promise<ServiceChild> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('HINDSIGHT_') && !key.startsWith('TEMPORAL_') && key !== 'DATABASE_URL')
      env[key] = value;
  }
  Object.assign(env, {
    ...(options.temporalAddress ? { TEMPORAL_ADDRESS: options.temporalAddress } : {}),
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    HINDSIGHT_DATA_DIR: options.dataDir,
    HINDSIGHT_PORT: String(options.port),
    HINDSIGHT_LOG_LEVEL: 'warn',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.postgresPort ? { HINDSIGHT_POSTGRES_PORT: String(options.postgresPort) } : {}),
    ...options.env,
  });
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts', 'all'],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error('could not start the service');
  children.add(child);
  let output = '';
  let slowTasks = 0;
  const counts = new Map((options.watchFor ?? []).map((needle) => [needle, 0]));
  let ended: { code: number | null; signal: string | null; output: string } | undefined;
  // 'close': after the last output has been read, so a native crash's stack trace is in it.
  child.once('close', (code, signal) => {
    ended = { code, signal, output };
  });
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    slowTasks += text.split('TMPRL1104').length - 1;
    for (const [needle, n] of counts) counts.set(needle, n + text.split(needle).length - 1);
    output = (output + text).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const rss = rssSampler(child.pid);

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited during start-up:\n${output}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`service not healthy after 120 s:\n${output}`);
    await sleep(250);
  }

  return {
    pid: child.pid,
    url,
    rss,
    postgresPid: () => {
      if (options.databaseUrl) return undefined;
      try {
        return Number.parseInt(readFileSync(join(options.dataDir, 'postgres', 'postmaster.pid'), 'utf8'), 10);
      } catch {
        return undefined;
      }
    },
    slowWorkflowTaskWarnings: () => slowTasks,
    said: (needle) => counts.get(needle) ?? 0,
    exit: () => ended,
    stop: async () => {
      rss.stop();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(force);
      }
      children.delete(child);
    },
  };
}

/** The pid of this process's child whose command line contains `needle` (the Temporal dev server). */
export function childPid(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
