import { type Logger, pino } from 'pino';

export type { Logger };

/** JSON lines for machines; readable lines when a person watches a terminal. */
export function createLogger(level: string): Logger {
  const base = { level, base: { service: 'hindsight' } };
  if (!process.stdout.isTTY) return pino(base);
  return pino({ ...base, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service' } } });
}
