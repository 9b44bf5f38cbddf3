import { InvalidArgumentError } from 'commander';

export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value.trim())) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}, got "${value}".`);
    }
    const parsed = Number(value);
    if (parsed < min) throw new InvalidArgumentError(`must be at least ${min}, got ${value.trim()}.`);
    if (parsed > max) throw new InvalidArgumentError(`must be at most ${max}, got ${value.trim()}.`);
    return parsed;
  };
}

/**
 * `--meta key=value`, repeatable: the pairs collected into one object. The server checks the limits (16 keys,
 * keys of letters, digits, "_", "." or "-", values up to 256 characters) and says which one was passed.
 */
export function collectMeta(value: string, previous: Record<string, string> | undefined) {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`must be key=value, got "${value}".`);
  const key = value.slice(0, at);
  if (previous && key in previous) throw new InvalidArgumentError(`key "${key}" is given twice.`);
  return { ...previous, [key]: value.slice(at + 1) };
}
