/**
 * Wire format is snake_case, the client's is camelCase. Values under these keys are user data
 * (free-form metadata), so their own keys must reach the other side untouched.
 */
const OPAQUE_KEYS = new Set(['metadata']);

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());
}

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
}

export function camelizeKeys(value: unknown): unknown {
  return convertKeys(value, snakeToCamel);
}

export function snakeizeKeys(value: unknown): unknown {
  return convertKeys(value, camelToSnake);
}

function convertKeys(value: unknown, convert: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => convertKeys(item, convert));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const converted = convert(key);
    out[converted] = OPAQUE_KEYS.has(key) || OPAQUE_KEYS.has(converted) ? inner : convertKeys(inner, convert);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
