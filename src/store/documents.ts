import type { Sql } from './db.js';

// A document is the set of a bank's memories retained under one document_id: it has no row of its own, so it
// exists while one of its memories does.

export interface DocumentListItem {
  id: string;
  bank_id: string;
  content_hash: null;
  created_at: string;
  updated_at: string;
  text_length: number;
  memory_unit_count: number;
  retain_params: null;
  document_metadata: Record<string, string> | null;
  tags: string[];
}

export interface DocumentView extends Omit<DocumentListItem, 'text_length'> {
  original_text: string;
}

interface DocumentRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  memory_unit_count: number;
  text_length: number;
  metadata: Record<string, string> | null;
  tags: string[] | null;
  original_text?: string;
}

// The document's text is its memories' texts in retain order (the store keeps memories, not the documents).
const DOCUMENT_SELECT = `SELECT m.document_id AS id, min(m.created_at) AS created_at, max(m.created_at) AS updated_at,
  count(*)::int AS memory_unit_count, sum(length(m.text))::int AS text_length,
  (array_agg(m.metadata ORDER BY m.item_index, m.fact_index) FILTER (WHERE m.metadata IS NOT NULL))[1] AS metadata,
  (SELECT coalesce(jsonb_agg(DISTINCT tag ORDER BY tag), '[]') FROM memories mt, jsonb_array_elements_text(
    coalesce(mt.tags, '[]')) AS tag WHERE mt.bank_id = m.bank_id AND mt.document_id = m.document_id) AS tags`;

function toItem(bankId: string, r: DocumentRow): DocumentListItem {
  return {
    id: r.id,
    bank_id: bankId,
    content_hash: null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    text_length: r.text_length,
    memory_unit_count: r.memory_unit_count,
    retain_params: null,
    document_metadata: r.metadata,
    tags: r.tags ?? [],
  };
}

export async function listDocuments(
  sql: Sql,
  f: { bankId: string; limit: number; offset: number },
): Promise<{ items: DocumentListItem[]; total: number }> {
  const [count] = await sql.query<{ n: number }>(
    'SELECT count(DISTINCT document_id)::int AS n FROM memories WHERE bank_id = $1 AND document_id IS NOT NULL',
    [f.bankId],
  );
  const rows = await sql.query<DocumentRow>(
    `${DOCUMENT_SELECT} FROM memories m WHERE m.bank_id = $1 AND m.document_id IS NOT NULL
     GROUP BY m.bank_id, m.document_id ORDER BY min(m.created_at) DESC, m.document_id LIMIT $2 OFFSET $3`,
    [f.bankId, f.limit, f.offset],
  );
  return { items: rows.map((r) => toItem(f.bankId, r)), total: count?.n ?? 0 };
}

export async function getDocument(
  sql: Sql,
  bankId: string,
  documentId: string,
): Promise<DocumentView | undefined> {
  const [row] = await sql.query<DocumentRow>(
    `${DOCUMENT_SELECT}, string_agg(m.text, E'\\n' ORDER BY m.item_index, m.fact_index) AS original_text
     FROM memories m WHERE m.bank_id = $1 AND m.document_id = $2 GROUP BY m.bank_id, m.document_id`,
    [bankId, documentId],
  );
  if (!row) return undefined;
  const { text_length: _, ...item } = toItem(bankId, row);
  return { ...item, original_text: row.original_text ?? '' };
}

export async function countDocumentMemories(sql: Sql, bankId: string, documentId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM memories WHERE bank_id = $1 AND document_id = $2',
    [bankId, documentId],
  );
  return row?.n ?? 0;
}

/** Replaces the tags of every memory of the document; the number of memories it changed (0: no such document). */
export async function setDocumentTags(
  sql: Sql,
  bankId: string,
  documentId: string,
  tags: string[],
): Promise<number> {
  const rows = await sql.query<{ id: string }>(
    'UPDATE memories SET tags = $3::jsonb WHERE bank_id = $1 AND document_id = $2 RETURNING id',
    [bankId, documentId, JSON.stringify(tags)],
  );
  return rows.length;
}
