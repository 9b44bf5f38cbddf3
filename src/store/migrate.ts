import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Sql } from './db.js';
import { embeddingBits } from './embedding-bits.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Data changes SQL cannot make, run once right after the migration they follow, in its transaction. */
const afterMigration: Record<string, (tx: Sql) => Promise<void>> = {
  '006_embedding_bits.sql': async (tx) => {
    for (;;) {
      const rows = await tx.query<{ id: string; embedding: number[] }>(
        'SELECT id, embedding FROM memories WHERE embedding IS NOT NULL AND embedding_bits IS NULL LIMIT 1000',
      );
      if (rows.length === 0) return;
      await tx.query(
        `UPDATE memories AS m SET embedding_bits = v.bits::bit varying
         FROM jsonb_to_recordset($1::jsonb) AS v(id text, bits text) WHERE m.id = v.id`,
        [JSON.stringify(rows.map((r) => ({ id: r.id, bits: embeddingBits(r.embedding) })))],
      );
    }
  },
};

/** Applies the plain SQL files in migrations/ once each, in name order, under a lock so processes can race. */
export async function migrate(db: Database): Promise<string[]> {
  const files = readdirSync(migrationsDir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(724001)');
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name),
    );
    const applied: string[] = [];
    for (const file of files.filter((f) => !done.has(f))) {
      await tx.exec(readFileSync(join(migrationsDir, file), 'utf8'));
      await afterMigration[file]?.(tx);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return applied;
  });
}
