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

const utf8 = new TextDecoder('utf-8', { fatal: true });
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON body; malformed JSON is the caller's mistake, not a server error. A body must say it is JSON:
 * text/plain, form encodings and a missing type are what a browser page may send cross-origin without a
 * preflight, so they must not be able to change anything.
 */
export async function jsonBody(req: {
  header(name: string): string | undefined;
  arrayBuffer(): Promise<ArrayBuffer>;
}): Promise<unknown> {
  let text: string;
  try {
    text = utf8.decode(await req.arrayBuffer());
  } catch (error) {
    if (error instanceof TypeError) throw invalid('request body is not valid UTF-8');
    throw error;
  }
  if (text.trim() === '') return {};
  const type = req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw invalid(`request body must be sent as Content-Type: application/json (got ${type || 'none'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`request body is not valid JSON: ${(error as Error).message}`);
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined)
    throw invalid(`request body has a duplicate key: ${JSON.stringify(duplicate)}`);
  return parsed;
}

/** The first key that appears twice in one object of (already valid) JSON text. Iterative: any depth. */
export function duplicateKey(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []; // null: an array
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
      }
      const keys = objects[objects.length - 1];
      if (keyNext && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (ch === 0x7b) {
      objects.push(new Set());
      keyNext = true;
    } else if (ch === 0x5b) {
      objects.push(null);
    } else if (ch === 0x7d || ch === 0x5d) {
      objects.pop();
    } else if (ch === 0x2c) {
      keyNext = objects[objects.length - 1] !== null;
    }
  }
  return undefined;
}
