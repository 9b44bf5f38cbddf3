/**
 * `npm run bench:recall [-- --dims N] [-- --memories N]`: recall latency by meaning and words at 100,000
 * memories of one bank, on the embedded PostgreSQL server and (with BENCH_DATABASE_URL) another one. Recall scans the
 * bank's embeddings exactly (no vector index: stock PostgreSQL has none); this measures what that costs.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logger.js';
import { normalize } from '../src/models/provider.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.js';
import { recall, recallHybrid } from '../src/store/memories.js';
import { migrate } from '../src/store/migrate.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MEMORIES = arg('memories', 100_000);
const DIMS = arg('dims', 256);
const QUERIES = 10;
const BATCH = 2_000;

function randomVector(seed: number): number[] {
  let x = seed * 2654435761;
  return normalize(
    Array.from({ length: DIMS }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648 - 0.5;
    }),
  );
}

async function fill(db: Database) {
  await migrate(db);
  await db.query(`INSERT INTO banks (id) VALUES ('recall') ON CONFLICT DO NOTHING`);
  const texts = makeDocuments(200, 5).flatMap((d) => d.content.split(/(?<=\.) /));
  for (let start = 0; start < MEMORIES; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, MEMORIES - start) }, (_, k) => {
      const i = start + k;
      return {
        id: `mem-${i}`,
        text: texts[i % texts.length],
        embedding: `{${randomVector(i + 1).join(',')}}`,
      };
    });
    await db.query(
      `INSERT INTO memories (id, bank_id, item_index, fact_index, text, embedding)
       SELECT r.id, 'recall', 0, 0, r.text, r.embedding::real[]
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, text text, embedding text)`,
      [JSON.stringify(rows)],
    );
  }
}

async function median(fn: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    await fn(i);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function measure(name: string, db: Database) {
  const started = performance.now();
  await fill(db);
  console.log(
    `${name}: ${MEMORIES} memories × ${DIMS} dimensions stored in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const words = await median(() => recall(db, 'recall', 'project milestone', 10));
  const hybrid = await median((i) =>
    recallHybrid(db, 'recall', 'project milestone', randomVector(10_000_000 + i), 10),
  );
  console.log(
    `| ${name} | ${MEMORIES} | ${DIMS} | ${words.toFixed(0)} ms | ${hybrid.toFixed(0)} ms | ${(hybrid / words).toFixed(1)} |`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'hindsight-bench-recall-'));
chmodSync(dir, 0o711); // the cluster's server (as root, the postgres user) must pass through
try {
  console.log('| store | memories | dimensions | words only (median) | meaning + words (median) | ratio |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const server = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    logger: createLogger('warn'),
  });
  const embedded = openDatabase(server.url);
  await measure('embedded PostgreSQL', embedded);
  await embedded.close();
  await server.stop();
  if (process.env.BENCH_DATABASE_URL) {
    const pg = openDatabase(process.env.BENCH_DATABASE_URL);
    await measure('PostgreSQL', pg);
    await pg.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
