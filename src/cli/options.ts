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
