import { InvalidArgumentError } from 'commander';

export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got "${value}".`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) {
      throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${parsed}.`);
    }
    return parsed;
  };
}
