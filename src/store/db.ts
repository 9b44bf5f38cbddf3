import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { StoreTurns } from './turns.js';

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
}

export interface Database extends Sql {
  readonly engine: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

class PGliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  private readonly turns = new StoreTurns();
  constructor(private readonly db: PGlite) {}

  query<T>(text: string, params?: unknown[]): Promise<T[]> {
    return this.turns.run('statement', async () => (await this.db.query<T>(text, params)).rows);
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.turns.run('transaction', () =>
      this.db.transaction((tx) =>
        fn({
          query: async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows,
          exec: async (script: string) => {
            await tx.exec(script);
          },
        }),
      ),
    );
  }

  exec(script: string): Promise<void> {
    return this.turns.run('transaction', async () => {
      await this.db.exec(script);
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

// int8 (count(*), bigserial) as JS numbers, as PGlite returns them; our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async (text, params) => (await client.query(text, params)).rows,
        exec: async (script) => {
          await client.query(script);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection itself failed: the pool must not hand it out again
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export type DatabaseTarget = { url: string } | { dataDir: string | undefined };

/** An initialised empty cluster made at install time (scripts/prepare-pglite-template.mjs). */
const PGLITE_TEMPLATE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '.cache',
  'hindsight',
  'pglite-template.tar.gz',
);

/** A new store starts from the template when there is one: loading it takes a second, initdb takes many. */
function pgliteTemplate(dataDir: string | undefined): Blob | undefined {
  const fresh = !dataDir || !existsSync(dataDir) || readdirSync(dataDir).length === 0;
  if (!fresh || !existsSync(PGLITE_TEMPLATE)) return undefined;
  return new Blob([readFileSync(PGLITE_TEMPLATE)]);
}

/** A PostgreSQL server when a URL is given, otherwise embedded PGlite (in memory when dataDir is undefined). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ('url' in target) {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // A client losing its server (a restart) must not crash the process: its query fails, the pool drops it,
    // and the next query reconnects. Idle clients report through the pool, checked-out ones on themselves.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresDatabase(pool);
  }
  const loadDataDir = pgliteTemplate(target.dataDir);
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const db = new PGlite(target.dataDir, loadDataDir ? { loadDataDir } : {});
  await db.waitReady;
  return new PGliteDatabase(db);
}
