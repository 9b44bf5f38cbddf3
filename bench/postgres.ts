/** PostgreSQL for the bench: a server (given, or started locally) and a fresh database per store. */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sleep } from './measure.js';
import { log, REPO_ROOT } from './settings.js';

export interface PostgresServer {
  url: string;
  stop?: () => void;
}

export function postgresServer(): PostgresServer | undefined {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { url: given };
  // Directly under /tmp: the server may run as another user, who cannot enter a private temp directory.
  const dir = `/tmp/hindsight-bench-pg-${process.pid}`;
  try {
    const port = String(55_500 + (process.pid % 400));
    const url = execFileSync(join(REPO_ROOT, 'scripts/start-postgres.sh'), [dir, port], {
      encoding: 'utf8',
    }).trim();
    return {
      url,
      stop: () => {
        execFileSync(join(REPO_ROOT, 'scripts/stop-postgres.sh'), [dir], { stdio: 'ignore' });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    log(`no PostgreSQL server (${(error as Error).message.split('\n')[0]}): PostgreSQL rows skipped`);
    return undefined;
  }
}

/** A fresh, empty database on the server (or, when that is not allowed, the given database as it is). */
export async function freshPostgresDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  } catch (error) {
    log(`could not create database ${name} (${(error as Error).message}); using ${serverUrl} as it is`);
    return serverUrl;
  } finally {
    await admin.end();
  }
}

/** Deadlocks PostgreSQL has detected in the database so far (its statistics may lag by about a second). */
export async function deadlockCount(url: string): Promise<number> {
  await sleep(1_500);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

export async function dropPostgresDatabase(serverUrl: string, url: string): Promise<void> {
  if (url === serverUrl) return;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`)
    .catch(() => undefined);
  await admin.end();
}
