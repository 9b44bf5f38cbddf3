/**
 * `npm run bench:recall-quality`: how often recall puts the memory that answers a question in its top 5, over
 * a fixed corpus (the facts below among a thousand sentences of the bench corpus) and a fixed set of
 * questions, on the embedded PostgreSQL server. Rows: the full-text AND query recall used before, recall by
 * words (any word, stem or named entity, fused by reciprocal rank), and recall by meaning and words with the
 * embeddings of the tests' fake provider (a bag of concepts in which synonyms meet).
 */
import { rmSync } from 'node:fs';
import { extractDocument } from '../src/domain/extract.js';
import { createLogger } from '../src/logger.js';
import { normalize } from '../src/models/provider.js';
import { assemble } from '../src/retain/prepare.js';
import { type Database, openDatabase } from '../src/store/db.js';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.js';
import { embeddingBits } from '../src/store/embedding-bits.js';
import { writeMemories } from '../src/store/memories.js';
import { migrate } from '../src/store/migrate.js';
import { type RecalledMemory, recallByMeaningAndWords, recallByWords } from '../src/store/recall.js';
import type { StagedItem } from '../src/store/retain-items.js';
import { fakeEmbedding } from '../test/support/fake-model-provider.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { scratchDir } from './lifecycle.js';

const BANK = 'quality';
const TOP = 5;
const FILLER_SENTENCES = 1_000;

const FACTS = [
  'Marguerite moved to Lyon in 2020 and rents a flat by the river.',
  "Marguerite's dog is called Pepper.",
  'Theo Vance works at Quarry Labs with Ines.',
  'Quarry Labs plans its product launch for March.',
  'Zanele plays the oboe in a chamber orchestra.',
  'Zanele studied music at the conservatory in Bergen.',
  'The bakery on Elm Street opened in 2019.',
  'The physician at Brightwater Clinic treated Oskar for a broken wrist.',
  'Priyanka drives an old automobile to work.',
  'Farouk adopted a small feline from the shelter.',
  'Hollis is allergic to peanuts.',
  'Hollis cooked lentil soup for dinner on Friday.',
  'Sunniva is learning Portuguese before her trip.',
  'Dmitri took the night train to the conference in Graz.',
  'The automobile was repaired at a garage in Ghent.',
  'Ines learned chemistry from Professor Adair.',
  'A doctor named Wilhelmina volunteered at the marathon.',
  'Yusra won the regional chess tournament.',
  'Rasmus lives in a cabin near the lake.',
  'Okonjo is a doctor who works the night shift at the hospital.',
];

/** A question and words of the memory that answers it. */
const QUESTIONS: [string, string][] = [
  ['Where does Marguerite live?', 'moved to Lyon'],
  ['What is the name of Marguerite’s dog?', 'Pepper'],
  ['Who does Theo work with?', 'Theo Vance works'],
  ['When is the Quarry Labs launch?', 'launch for March'],
  ['What instrument does Zanele play?', 'oboe'],
  ['Where did Zanele study music?', 'conservatory'],
  ['When did the bakery on Elm Street open?', 'bakery'],
  ['Which doctor treated Oskar?', 'Brightwater'],
  ['What car does Priyanka drive?', 'Priyanka'],
  ['Does anyone own a kitten?', 'feline'],
  ['Who is allergic to nuts?', 'peanuts'],
  ['What did Hollis eat?', 'lentil soup'],
  ['What language is Sunniva learning?', 'Portuguese'],
  ['How did Dmitri travel to Graz?', 'night train'],
  ['Where was the vehicle fixed?', 'garage in Ghent'],
  ['Who taught Ines chemistry?', 'Professor Adair'],
  ['Which medic helped at the marathon?', 'Wilhelmina'],
  ['Who won the chess tournament?', 'Yusra'],
  ['Who has a home by the lake?', 'Rasmus'],
  ['Which physician works nights?', 'Okonjo'],
];

/** Recall as it was before: every word of the query must match (websearch_to_tsquery's AND). */
async function allWords(db: Database, query: string, limit: number): Promise<{ text: string }[]> {
  return db.query(
    `WITH q AS (SELECT websearch_to_tsquery('english', $2) AS tsq)
     SELECT m.text FROM memories m, q WHERE m.bank_id = $1 AND m.search @@ q.tsq
     ORDER BY ts_rank_cd(m.search, q.tsq) DESC, m.id LIMIT $3`,
    [BANK, query, limit],
  );
}

async function fill(db: Database) {
  await migrate(db);
  const fillers = makeDocuments(100, 7)
    .flatMap((d) => d.content.split(/(?<=\.) /))
    .slice(0, FILLER_SENTENCES);
  const texts = [...FACTS, ...fillers];
  const items: StagedItem[] = texts.map((content, item_index) => ({
    item_index,
    content,
    context: null,
    occurred_at: null,
    document_id: null,
    metadata: null,
    tags: null,
  }));
  const prepared = assemble(BANK, 'op-quality', items, texts.map(extractDocument));
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO banks (id) VALUES ($1) ON CONFLICT DO NOTHING', [BANK]);
    await writeMemories(tx, BANK, 'op-quality', prepared.memories, prepared.entities);
  });
  return prepared.memories.length;
}

async function embed(db: Database) {
  const rows = await db.query<{ id: string; text: string }>(
    'SELECT id, text FROM memories WHERE bank_id = $1',
    [BANK],
  );
  const vectors = rows.map((r) => {
    const v = normalize(fakeEmbedding(r.text));
    return { id: r.id, embedding: `{${v.join(',')}}`, bits: embeddingBits(v) };
  });
  await db.query(
    `UPDATE memories m SET embedding = v.embedding::real[], embedding_bits = v.bits::bit varying
     FROM jsonb_to_recordset($1::jsonb) AS v(id text, embedding text, bits text) WHERE m.id = v.id`,
    [JSON.stringify(vectors)],
  );
}

async function hits(recall: (query: string) => Promise<{ text: string }[]>) {
  let found = 0;
  const missed: string[] = [];
  for (const [question, answer] of QUESTIONS) {
    const results = await recall(question);
    if (results.some((r) => r.text.includes(answer))) found++;
    else missed.push(question);
  }
  return { found, missed };
}

const row = (name: string, r: { found: number; missed: string[] }) =>
  console.log(`| ${name} | ${r.found} of ${QUESTIONS.length} | ${r.missed.join(' ') || '—'} |`);

const dir = scratchDir('recall-quality');
try {
  const server = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    logger: createLogger('warn'),
  });
  const db = openDatabase(server.url);
  const memories = await fill(db);
  console.log(`${memories} memories, ${QUESTIONS.length} questions, hits in the top ${TOP}`);
  console.log('| recall | hits@5 | questions missed |');
  console.log('| --- | --- | --- |');
  row('every word must match (before)', await hits((q) => allWords(db, q, TOP)));
  row('words, stems and entities (no provider)', await hits((q) => recallByWords(db, BANK, q, TOP)));
  await embed(db);
  const withMeaning = (q: string): Promise<RecalledMemory[]> =>
    recallByMeaningAndWords(db, BANK, q, normalize(fakeEmbedding(q)), TOP);
  row('meaning and words (fake provider)', await hits(withMeaning));
  await db.close();
  await server.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
