import type { Sql } from './db.js';

/** A bucket refilled at `perMs` units (tokens or requests) a millisecond, holding at most `capacity`. */
export interface BucketShape {
  perMs: number;
  capacity: number;
}

const CLOCK = '(SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now) AS clock';

/** Makes sure the named bucket exists (full at first). */
export async function ensureBucket(sql: Sql, name: string): Promise<void> {
  await sql.query(
    'INSERT INTO model_budgets (name, full_at, floor_at) VALUES ($1, 0, 0) ON CONFLICT DO NOTHING',
    [name],
  );
}

/**
 * Reserves a call's `amount` (tokens, or one request) from the named bucket if the call may start within
 * `horizonMs`, and says in how many milliseconds it may (0: at once) and how much it took. Reservations queue
 * up: each may start once the bucket has refilled enough for it after all earlier ones, so they go first
 * come, first served.
 * A call larger than the bucket starts once the bucket has stayed full for the amount it lacks, and leaves
 * the bucket that much in debt: no 60 s window either side of it holds more than the quota. Beyond the
 * horizon nothing is reserved, and `startInMs` says how long until a reservation made now could start.
 */
export async function reserve(
  sql: Sql,
  name: string,
  amount: number,
  bucket: BucketShape,
  horizonMs: number,
): Promise<{ reserved: number; startInMs: number }> {
  const oversize = Math.max(0, amount - bucket.capacity);
  const cost = amount + oversize;
  // The call starts once the bucket, full again at the new full_at, is short of no more than what it takes.
  const shortAtStart = bucket.capacity + oversize;
  const params = [name, cost, bucket.perMs, shortAtStart];
  const start =
    'greatest(clock.now, greatest(b.full_at, clock.now) + ($2::float8 - $4::float8) / $3::float8)';
  const [taken] = await sql.query<{ start_in: number }>(
    `UPDATE model_budgets AS b SET full_at = greatest(b.full_at, clock.now) + $2::float8 / $3::float8,
       floor_at = ${start} + $6::float8 / $3::float8
     FROM ${CLOCK}
     WHERE b.name = $1 AND ${start} <= clock.now + $5::float8
     RETURNING b.floor_at - $6::float8 / $3::float8 - clock.now AS start_in`,
    [...params, horizonMs, amount],
  );
  if (taken) return { reserved: cost, startInMs: Math.max(0, taken.start_in) };
  const [row] = await sql.query<{ start_in: number }>(
    `SELECT ${start} - clock.now AS start_in FROM model_budgets AS b, ${CLOCK} WHERE b.name = $1`,
    params,
  );
  return { reserved: 0, startInMs: Math.max(0, row?.start_in ?? 0) };
}

/**
 * Moves the bucket by `amount` once a call's real cost is known: more spent than reserved pushes every later
 * reservation back; an amount given back (negative) serves later reservations, but none before the latest one.
 */
export async function adjust(sql: Sql, name: string, amount: number, bucket: BucketShape): Promise<void> {
  if (amount === 0) return;
  await sql.query(
    'UPDATE model_budgets SET full_at = greatest(full_at + $2::float8 / $3::float8, floor_at) WHERE name = $1',
    [name, amount, bucket.perMs],
  );
}
