import type { Usage } from '../models/provider.js';
import type { Sql } from './db.js';

export interface StoredAnswer<T> {
  answer: T | null;
  error: string | null;
  invalidAnswers: number;
}

export async function getAnswer<T>(
  sql: Sql,
  operationId: string,
  step: string,
): Promise<StoredAnswer<T> | undefined> {
  const [row] = await sql.query<{ answer: T | null; error: string | null; invalid_answers: number }>(
    'SELECT answer, error, invalid_answers FROM model_answers WHERE operation_id = $1 AND step = $2',
    [operationId, step],
  );
  return row && { answer: row.answer, error: row.error, invalidAnswers: row.invalid_answers };
}

/** The stored answers of the given steps, by step. */
export async function answersOfSteps<T>(
  sql: Sql,
  operationId: string,
  steps: string[],
): Promise<Map<string, StoredAnswer<T>>> {
  const rows = await sql.query<{
    step: string;
    answer: T | null;
    error: string | null;
    invalid_answers: number;
  }>(
    'SELECT step, answer, error, invalid_answers FROM model_answers WHERE operation_id = $1 AND step = ANY($2::text[])',
    [operationId, steps],
  );
  return new Map(
    rows.map((r) => [r.step, { answer: r.answer, error: r.error, invalidAnswers: r.invalid_answers }]),
  );
}

/** Adds one answered call to the operation's cost. */
export async function addUsage(sql: Sql, operationId: string, model: string, usage: Usage): Promise<void> {
  await sql.query(
    `INSERT INTO model_usage (operation_id, model, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, 1, $3, $4)
     ON CONFLICT (operation_id, model) DO UPDATE SET calls = model_usage.calls + 1,
       prompt_tokens = model_usage.prompt_tokens + excluded.prompt_tokens,
       completion_tokens = model_usage.completion_tokens + excluded.completion_tokens`,
    [operationId, model, usage.promptTokens, usage.completionTokens],
  );
}

/** Stores a valid answer (or the step's final error) with the call's cost, in one transaction's statements. */
export async function saveAnswer(
  sql: Sql,
  operationId: string,
  step: string,
  outcome: { answer: unknown } | { error: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO model_answers (operation_id, step, answer, error) VALUES ($1, $2, $3::jsonb, $4)
     ON CONFLICT (operation_id, step) DO UPDATE SET answer = excluded.answer, error = excluded.error`,
    [
      operationId,
      step,
      'answer' in outcome ? JSON.stringify(outcome.answer) : null,
      'error' in outcome ? outcome.error : null,
    ],
  );
}

/** Counts an answer that did not validate; returns how many the step has had. */
export async function countInvalidAnswer(sql: Sql, operationId: string, step: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `INSERT INTO model_answers (operation_id, step, invalid_answers) VALUES ($1, $2, 1)
     ON CONFLICT (operation_id, step) DO UPDATE SET invalid_answers = model_answers.invalid_answers + 1
     RETURNING invalid_answers AS n`,
    [operationId, step],
  );
  return row?.n ?? 1;
}

export interface ModelCost {
  model_calls: number;
  model_tokens: number;
  models: { model: string; calls: number; prompt_tokens: number; completion_tokens: number }[];
}

/** What an operation's model calls cost; null when it made none (the built-in extractor). */
export async function costOfOperation(sql: Sql, operationId: string): Promise<ModelCost | null> {
  const rows = await sql.query<{
    model: string;
    calls: number;
    prompt_tokens: number;
    completion_tokens: number;
  }>(
    `SELECT model, calls, prompt_tokens::float8 AS prompt_tokens, completion_tokens::float8 AS completion_tokens
     FROM model_usage WHERE operation_id = $1 ORDER BY model`,
    [operationId],
  );
  if (rows.length === 0) return null;
  return {
    model_calls: rows.reduce((s, r) => s + r.calls, 0),
    model_tokens: rows.reduce((s, r) => s + r.prompt_tokens + r.completion_tokens, 0),
    models: rows,
  };
}

export async function dropAnswers(sql: Sql, operationId: string): Promise<void> {
  await sql.query('DELETE FROM model_answers WHERE operation_id = $1', [operationId]);
}

/** Of these steps, those with no final answer stored yet. */
export async function stepsAwaiting(sql: Sql, operationId: string, steps: string[]): Promise<string[]> {
  const answered = await answersOfSteps(sql, operationId, steps);
  return steps.filter((step) => {
    const stored = answered.get(step);
    return !stored || (stored.answer === null && stored.error === null);
  });
}

/** Items of [start, end) still waiting for their facts from the model (not retained, no final answer stored). */
export async function itemsAwaitingFacts(
  sql: Sql,
  operationId: string,
  start: number,
  end: number,
): Promise<number[]> {
  const rows = await sql.query<{ item_index: number }>(
    `SELECT i.item_index FROM retain_items i
     LEFT JOIN model_answers a ON a.operation_id = i.operation_id AND a.step = 'facts:' || i.item_index
     WHERE i.operation_id = $1 AND i.item_index >= $2 AND i.item_index < $3 AND NOT i.processed
       AND a.answer IS NULL AND a.error IS NULL
     ORDER BY i.item_index`,
    [operationId, start, end],
  );
  return rows.map((r) => r.item_index);
}
