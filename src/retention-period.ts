// How long ended operations are kept: `HINDSIGHT_OPERATION_RETENTION`, a whole number with a unit (`90s`,
// `45m`, `72h`, `30d`) or `off` (kept forever).

const UNITS = {
  s: { ms: 1_000, one: 'second', many: 'seconds' },
  m: { ms: 60_000, one: 'minute', many: 'minutes' },
  h: { ms: 3_600_000, one: 'hour', many: 'hours' },
  d: { ms: 86_400_000, one: 'day', many: 'days' },
} as const;

/** Ten years: past it a period is almost certainly a typo (and `off` says "forever" plainly). */
export const MAX_RETENTION_MS = 3650 * UNITS.d.ms;

export const RETENTION_FORMAT_HELP =
  'must be a whole number followed by s, m, h or d (such as 72h or 30d), or off to keep operations forever';

/** The period in milliseconds, null for `off`, or an error message saying what to write instead. */
export function parseRetention(raw: string): number | null | { error: string } {
  const text = raw.trim().toLowerCase();
  if (text === 'off') return null;
  const match = /^(\d{1,7})\s*([smhd])$/.exec(text);
  if (!match) return { error: RETENTION_FORMAT_HELP };
  const count = Number(match[1]);
  const unit = UNITS[match[2] as keyof typeof UNITS];
  if (count < 1) return { error: 'must be at least 1s (or off to keep operations forever)' };
  const ms = count * unit.ms;
  if (ms > MAX_RETENTION_MS) return { error: 'must be at most 3650d (or off to keep operations forever)' };
  return ms;
}

/** Milliseconds in words, in the largest unit that divides them ("30 days", "90 seconds"). */
export function retentionWords(ms: number): string {
  for (const key of ['d', 'h', 'm', 's'] as const) {
    const unit = UNITS[key];
    if (ms % unit.ms === 0 && ms >= unit.ms) {
      const count = ms / unit.ms;
      return `${count} ${count === 1 ? unit.one : unit.many}`;
    }
  }
  return `${ms} milliseconds`;
}
