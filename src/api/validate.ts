import type { z } from 'zod';
import { invalid } from '../errors.js';

/** Parses or throws a 400 whose message names each offending field and what is allowed. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : where;
    return `${path}: ${issue.message}`;
  });
  throw invalid(`invalid ${where}: ${problems.join('; ')}`);
}

/** Reads a JSON body; malformed JSON is the caller's mistake, not a server error. */
export async function jsonBody(req: { text(): Promise<string> }): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`request body is not valid JSON: ${(error as Error).message}`);
  }
}
