/** PostgreSQL for the bench: a server (given, or started locally) and a fresh database per store. */
import pg from 'pg';
import { freePort } from '../test/support/ports.js';
import { createDatabase, dropDatabase } from '../test/support/postgres-admin.js';
import { PostgresServer } from '../test/support/postgres-server.js';
import { sleep } from './measure.js';
import { log } from './settings.js';

/** The server the bench uses: the one named by the environment, or one it starts and removes itself. */
export interface BenchPostgres {
  url: string;
  stop?: () => Promise<void>;
}

export async function benchPostgres(): Promise<BenchPostgres | undefined> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return { url: given };
  try {
    const server = await PostgresServer.start(await freePort());
    return { url: server.url, stop: () => server.remove() };
  } catch (error) {
    log(`no PostgreSQL server (${(error as Error).message.split('\n')[0]}): PostgreSQL rows skipped`);
    return undefined;
  }
}

/** A fresh, empty database on the server (or, when that is not allowed, the given database as it is). */
export async function freshPostgresDatabase(serverUrl: string, name: string): Promise<string> {
  try {
    return await createDatabase(serverUrl, name);
  } catch (error) {
    log(`could not create database ${name} (${(error as Error).message}); using ${serverUrl} as it is`);
    return serverUrl;
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
  if (url !== serverUrl) await dropDatabase(serverUrl, url);
}
