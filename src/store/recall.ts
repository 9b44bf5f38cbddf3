import { queryEntityIds } from '../domain/query-terms.js';
import type { Sql } from './db.js';
import { embeddingBits } from './embedding-bits.js';
import { MEMORY_SELECT, type MemoryRow, type MemoryView, toMemoryView } from './memories.js';

export type RecalledMemory = MemoryView & { score: number };

/**
 * Reciprocal rank fusion's constant: a memory ranked r-th by one strategy adds 1 / (RRF_K + r) to its score,
 * so agreement between strategies counts more than the exact place in any one of them.
 */
const RRF_K = 60;
/** Memories ranked exactly by cosine similarity, per candidate wanted, after the signature preselection. */
const PRESELECT_PER_CANDIDATE = 8;

const candidatesFor = (limit: number) => Math.max(limit * 4, 50);

/**
 * The query's words as a full-text query that any of them satisfies: the English lexemes of the query (stop
 * words dropped, the rest stemmed, so "lives" meets "live") joined by OR. `websearch_to_tsquery` on the
 * `simple` configuration reads the joined lexemes without stemming them again and never fails on odd input.
 */
const ANY_WORDS = `websearch_to_tsquery('simple',
  array_to_string(tsvector_to_array(to_tsvector('english', $2)), ' or '))`;

/**
 * The strategies every recall fuses, each a ranked list of at most $3 candidates:
 * - `words`: memories that share any of the query's words, by PostgreSQL's cover-density rank (more of the
 *   query's words, closer together, rank higher), through the GIN index on `search`;
 * - `named`: memories linked to an entity the query names, by how many of them, then by word rank; entity ids
 *   derive from bank and name, so the query's candidate names ($4) are primary-key lookups.
 */
const WORD_STRATEGIES = `q AS (SELECT ${ANY_WORDS} AS tsq),
  words AS (
    SELECT s.id, row_number() OVER (ORDER BY s.rank DESC, s.id) AS rank FROM (
      SELECT m.id, ts_rank_cd(m.search, q.tsq) AS rank FROM memories m, q
      WHERE m.bank_id = $1 AND m.search @@ q.tsq ORDER BY rank DESC, m.id LIMIT $3
    ) s
  ),
  named AS (
    SELECT s.id, row_number() OVER (ORDER BY s.names DESC, s.rank DESC, s.id) AS rank FROM (
      SELECT m.id, count(*) AS names, ts_rank_cd(m.search, q.tsq) AS rank
      FROM entities e
      CROSS JOIN LATERAL (
        SELECT me.memory_id FROM memory_entities me WHERE me.entity_id = e.id LIMIT $3
      ) me
      JOIN memories m ON m.id = me.memory_id AND m.bank_id = $1
      CROSS JOIN q
      WHERE e.id = ANY($4::text[]) AND e.bank_id = $1
      GROUP BY m.id, m.search, q.tsq ORDER BY names DESC, rank DESC, m.id LIMIT $3
    ) s
  )`;

/** Fuses the named ranked lists by reciprocal rank and returns the best $5 memories with their scores. */
function fused(lists: string[]): string {
  const union = lists.map((l) => `SELECT id, rank FROM ${l}`).join(' UNION ALL ');
  return `fused AS (
    SELECT id, sum(1.0 / (${RRF_K} + rank)) AS score FROM (${union}) r
    GROUP BY id ORDER BY score DESC, id LIMIT $5
  )
  SELECT r.*, f.score FROM fused f JOIN LATERAL (${MEMORY_SELECT} WHERE m.id = f.id) r ON true
  ORDER BY f.score DESC, f.id`;
}

const toResults = (rows: MemoryRow[]): RecalledMemory[] =>
  rows.map((r) => ({ ...toMemoryView(r), score: Number(r.score) }));

/**
 * Recall by words: memories sharing any word, stem or named entity with the query, the best first. "Where does
 * Alice live?" finds "Alice moved to Paris" through "Alice" although "live" is nowhere in it.
 */
export async function recallByWords(
  sql: Sql,
  bankId: string,
  query: string,
  limit: number,
): Promise<RecalledMemory[]> {
  const rows = await sql.query<MemoryRow>(`WITH ${WORD_STRATEGIES}, ${fused(['words', 'named'])}`, [
    bankId,
    query,
    candidatesFor(limit),
    queryEntityIds(bankId, query),
    limit,
  ]);
  return toResults(rows);
}

/**
 * Recall by meaning and words: the word strategies above, fused with `meaning`, the memories whose embeddings
 * are nearest the query's. Those are preselected by the Hamming distance of embedding signatures (an
 * index-only scan of `memories_embedding_bits`; see embedding-bits.ts) and ranked by exact cosine similarity
 * of the unit-length vectors.
 */
export async function recallByMeaningAndWords(
  sql: Sql,
  bankId: string,
  query: string,
  vector: number[],
  limit: number,
): Promise<RecalledMemory[]> {
  const candidates = candidatesFor(limit);
  const rows = await sql.query<MemoryRow>(
    `WITH ${WORD_STRATEGIES},
     near_bits AS (
       SELECT m.id FROM memories m
       WHERE m.bank_id = $1 AND m.embedding_bits IS NOT NULL AND length(m.embedding_bits) = length($7::bit varying)
       ORDER BY bit_count(m.embedding_bits # $7::bit varying) LIMIT $8
     ),
     meaning AS (
       SELECT s.id, row_number() OVER (ORDER BY s.similarity DESC, s.id) AS rank FROM (
         SELECT m.id, (SELECT sum(a * b) FROM unnest(m.embedding, $6::real[]) AS t(a, b)) AS similarity
         FROM memories m WHERE m.id IN (SELECT id FROM near_bits)
         ORDER BY similarity DESC, m.id LIMIT $3
       ) s
     ),
     ${fused(['meaning', 'words', 'named'])}`,
    [
      bankId,
      query,
      candidates,
      queryEntityIds(bankId, query),
      limit,
      `{${vector.join(',')}}`,
      embeddingBits(vector),
      candidates * PRESELECT_PER_CANDIDATE,
    ],
  );
  return toResults(rows);
}
