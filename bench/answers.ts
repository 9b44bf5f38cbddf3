/**
 * `npm run bench:answers`: what reading a 100,000-document operation costs a caller. GET of the operation (with
 * every memory id), the same GET compressed, a list page of 20 such operations (counts only), and pages of its
 * memories, each over real HTTP from the API on an embedded store. The operation is written straight into the
 * store (300,000 memories: three facts a document, as the corpus gives): a read does not care how it got
 * there, and retaining it through the service takes about 25 minutes (`npm run bench -- --large`).
 */

import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { startTestDevServer } from '../test/support/dev-server.js';
import { loadAverage, runBench, scratchDir } from './lifecycle.js';
import { fmt, percentile, table } from './measure.js';
import { log, REPO_ROOT } from './settings.js';

const DOCUMENTS = 100_000;
const FACTS_PER_DOCUMENT = 3;
const LIST_ROWS = 20;
const SAMPLES = 7;
const BANK = 'bench-answers';
const OPERATION = 'op-bench-answers';

/** One GET, its body as sent (encoded bytes), and the time to the last byte. */
function get(url: string, acceptEncoding: string): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ ms: performance.now() - started, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function measure(url: string, acceptEncoding: string) {
  await get(url, acceptEncoding); // warm
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const reply = await get(url, acceptEncoding);
    if (reply.status !== 200) throw new Error(`${url} answered ${reply.status}`);
    samples.push(reply.ms);
    bytes = reply.bytes;
  }
  return { bytes, p50: percentile(samples, 50), max: Math.max(...samples) };
}

async function main(): Promise<void> {
  const root = scratchDir('answers');
  const logger = createLogger('warn');
  const devServer = await startTestDevServer();
  const config = loadConfig({
    HINDSIGHT_PORT: '0',
    HINDSIGHT_DATA_DIR: root,
    HINDSIGHT_LOG_LEVEL: 'warn',
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_TASK_QUEUE: 'bench-answers',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const runtime = await startRuntime(config, { api: true, worker: false, logger });
  try {
    log(`writing a completed ${DOCUMENTS.toLocaleString('en')}-document operation into the store`);
    const db = runtime.db;
    await db.query('INSERT INTO banks (id) VALUES ($1) ON CONFLICT DO NOTHING', [BANK]);
    const operationRow = (id: string) =>
      db.query(
        `INSERT INTO operations (id, bank_id, type, status, progress, total, params, workflow_id, started_at,
           completed_at)
         VALUES ($1, $2, 'batch_retain', 'completed', $3, $3, '{}', $4, clock_timestamp(), clock_timestamp())`,
        [id, BANK, DOCUMENTS, `batch_retain/${BANK}/${id}`],
      );
    await operationRow(OPERATION);
    await db.query(
      `INSERT INTO memories (id, bank_id, operation_id, item_index, fact_index, text)
       SELECT 'mem-' || substr(md5($2 || ':' || i || ':' || f), 1, 24), $1, $2, i, f, 'Fact ' || f || ' of document ' || i
       FROM generate_series(0, $3 - 1) i, generate_series(0, $4 - 1) f`,
      [BANK, OPERATION, DOCUMENTS, FACTS_PER_DOCUMENT],
    );
    await db.query(
      `UPDATE operations SET
         memory_ids = (SELECT jsonb_agg(id ORDER BY item_index, fact_index) FROM memories WHERE operation_id = $1),
         result = jsonb_build_object('items_count', $2::int, 'memories_count', $2::int * $3::int,
           'entities_count', 0, 'failed_items', '[]'::jsonb)
       WHERE id = $1`,
      [OPERATION, DOCUMENTS, FACTS_PER_DOCUMENT],
    );
    for (let i = 1; i < LIST_ROWS; i++) {
      await operationRow(`${OPERATION}-${i}`);
      await db.query(
        `UPDATE operations SET (result, memory_ids) = (SELECT result, memory_ids FROM operations WHERE id = $2)
         WHERE id = $1`,
        [`${OPERATION}-${i}`, OPERATION],
      );
    }

    const base = `${runtime.url}/v1/default/banks/${BANK}`;
    const memories = FACTS_PER_DOCUMENT * DOCUMENTS;
    const cases: [string, string, string][] = [
      ['GET operation', `${base}/operations/${OPERATION}`, 'identity'],
      ['GET operation, gzip', `${base}/operations/${OPERATION}`, 'gzip'],
      ['GET operation, br', `${base}/operations/${OPERATION}`, 'br'],
      [`list, ${LIST_ROWS} such rows`, `${base}/operations?limit=${LIST_ROWS}`, 'identity'],
      ['memories page 1 (100)', `${base}/memories?operation_id=${OPERATION}&limit=100`, 'identity'],
      [
        'memories, last page (100)',
        `${base}/memories?operation_id=${OPERATION}&limit=100&offset=${memories - 100}`,
        'identity',
      ],
    ];
    const rows: string[][] = [];
    for (const [name, url, encoding] of cases) {
      log(name);
      const m = await measure(url, encoding);
      rows.push([name, `${(m.bytes / 1024).toFixed(1)} KB`, fmt.ms(m.p50), fmt.ms(m.max)]);
    }
    const report = [
      '# What reading a large operation costs',
      '',
      `Written by \`npm run bench:answers\` on ${new Date().toISOString().slice(0, 10)}: a completed ` +
        `${DOCUMENTS.toLocaleString('en')}-document retain (${memories.toLocaleString('en')} memories), ` +
        `${SAMPLES} samples per answer, one client over loopback, ` +
        `${process.env.DATABASE_URL ? 'PostgreSQL' : 'the embedded store'}; load average ${loadAverage()} ` +
        'on this machine while it ran. GET of one operation carries every memory id; list rows carry counts ' +
        'only; the memories of the operation are read page by page.',
      '',
      table(['answer', 'size on the wire', 'p50', 'max'], rows),
      '',
    ].join('\n');
    console.log(`\n${report}`);
    writeFileSync(join(REPO_ROOT, 'docs/ANSWER-SIZES.md'), report);
  } finally {
    await runtime.stop();
    await devServer.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

runBench(main);
