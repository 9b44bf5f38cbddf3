import pg from 'pg';

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
}

export interface Database extends Sql {
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Connections per lane. Single statements (API reads, status and progress updates) and transactions (a
 * retain chunk's whole write batch) get pools of their own, so a read never waits behind a batch's writes.
 */
export interface PoolSizes {
  statements: number;
  transactions: number;
}

export const DEFAULT_POOL_SIZES: PoolSizes = { statements: 10, transactions: 10 };

// int8 (count(*), bigserial) as JS numbers; our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function newPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // A client losing its server (a restart) must not crash the process: its query fails, the pool drops it,
  // and the next query reconnects. Idle clients report through the pool, checked-out ones on themselves.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

class PostgresDatabase implements Database {
  constructor(
    private readonly statements: pg.Pool,
    private readonly transactions: pg.Pool,
  ) {}

  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    return (await this.statements.query(text, params)).rows as T[];
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.transactions.connect();
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
    await this.transactions.query(script);
  }

  async close(): Promise<void> {
    await Promise.all([this.statements.end(), this.transactions.end()]);
  }
}

/** Answers when the database does: the health check's probe. */
export async function ping(sql: Sql): Promise<void> {
  await sql.query('SELECT 1');
}

/** Connection pools to the PostgreSQL database at `url` (the embedded server's or DATABASE_URL's). */
export function openDatabase(url: string, sizes: PoolSizes = DEFAULT_POOL_SIZES): Database {
  return new PostgresDatabase(newPool(url, sizes.statements), newPool(url, sizes.transactions));
}
