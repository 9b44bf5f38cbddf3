/**
 * `npm run bench:recall [-- --dims N] [-- --memories N]`: recall latency by meaning and words at 100,000
 * memories of one bank, on the embedded PostgreSQL server and (with BENCH_DATABASE_URL) another one. Recall
 * preselects by embedding sign bits (an index-only scan, no vector extension) and ranks the preselection
 * exactly; this measures it against words only and against an exact scan of every embedding, and how many of
 * the exact scan's top 10 it finds.
 */
import { rmSync } from 'node:fs';
import { createLogger } from '../src/logger.js';
import { normalize } from '../src/models/provider.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.js';
import { embeddingBits } from '../src/store/embedding-bits.js';
import { migrate } from '../src/store/migrate.js';
import { recallByMeaningAndWords, recallByWords } from '../src/store/recall.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { scratchDir } from './lifecycle.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const MEMORIES = arg('memories', 100_000);
const DIMS = arg('dims', 256);
const QUERIES = 10;
const TOP = 10;
const BATCH = 2_000;
/** Real embeddings cluster by subject; each memory here is one of this many subjects' direction plus noise. */
const SUBJECTS = 2_000;

function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * random());
}

function subject(k: number): number[] {
  const random = seededRandom(k + 1);
  return normalize(Array.from({ length: DIMS }, () => gaussian(random)));
}

/** Subject `seed mod SUBJECTS` plus noise as strong as the subject itself (cosine to it about 0.7). */
function embedding(seed: number): number[] {
  const random = seededRandom(1_000_003 * (seed + 7));
  return normalize(subject(seed % SUBJECTS).map((x) => x + gaussian(random) / Math.sqrt(DIMS)));
}
const queryEmbedding = (i: number) => embedding(50_000_000 + 7_919 * i);

async function fill(db: Database) {
  await migrate(db);
  await db.query(`INSERT INTO banks (id) VALUES ('recall') ON CONFLICT DO NOTHING`);
  const texts = makeDocuments(200, 5).flatMap((d) => d.content.split(/(?<=\.) /));
  for (let start = 0; start < MEMORIES; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, MEMORIES - start) }, (_, k) => {
      const i = start + k;
      const vector = embedding(i);
      return {
        id: `mem-${i}`,
        text: texts[i % texts.length],
        embedding: `{${vector.join(',')}}`,
        bits: embeddingBits(vector),
      };
    });
    await db.query(
      `INSERT INTO memories (id, bank_id, item_index, fact_index, text, embedding, embedding_bits)
       SELECT r.id, 'recall', 0, 0, r.text, r.embedding::real[], r.bits::bit varying
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, text text, embedding text, bits text)`,
      [JSON.stringify(rows)],
    );
  }
  // What autovacuum does soon after a large batch: index-only scans need the visibility map.
  await db.query('VACUUM ANALYZE memories');
}

/** The top memories by cosine similarity over every embedding of the bank: what the preselection approximates. */
async function exactNearest(db: Database, vector: number[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM memories WHERE bank_id = 'recall' AND embedding IS NOT NULL
     ORDER BY (SELECT sum(a * b) FROM unnest(embedding, $1::real[]) AS t(a, b)) DESC LIMIT $2`,
    [`{${vector.join(',')}}`, TOP],
  );
  return rows.map((r) => r.id);
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
  // Meaning only (a query whose words match nothing), so the top 10 compare with the exact scan's.
  const words = await median(() => recallByWords(db, 'recall', 'project milestone', TOP));
  // A question about names the corpus repeats in thousands of memories: every one of them is ranked.
  const common = await median(() => recallByWords(db, 'recall', 'Where does Alice live in Paris?', TOP));
  const indexed = await median((i) => recallByMeaningAndWords(db, 'recall', 'zzzq', queryEmbedding(i), TOP));
  const best: Set<string>[] = [];
  const exact = await median(async (i) => {
    best[i] = new Set(await exactNearest(db, queryEmbedding(i)));
  });
  let agreed = 0;
  for (let i = 0; i < QUERIES; i++) {
    const results = await recallByMeaningAndWords(db, 'recall', 'zzzq', queryEmbedding(i), TOP);
    agreed += results.filter((r) => best[i]!.has(r.id)).length;
  }
  console.log(
    `| ${name} | ${MEMORIES} | ${DIMS} | ${words.toFixed(0)} ms | ${common.toFixed(0)} ms | ${indexed.toFixed(0)} ms | ` +
      `${exact.toFixed(0)} ms | ${agreed} of ${QUERIES * TOP} |`,
  );
}

const dir = scratchDir('recall');
try {
  console.log(
    '| store | memories | dimensions | words only (median) | words, common names (median) | by meaning (median) | exact scan of every embedding (median) | exact top 10 found |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
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
