import type { Database } from './db.js';

/** The store's disk is full: PostgreSQL's `disk_full` (53100), or the file system's ENOSPC. */
export function isOutOfSpace(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '53100' || e?.code === 'ENOSPC' || /no space left on device/i.test(e?.message ?? '');
}

export const OUT_OF_SPACE =
  'the store is out of disk space: nothing was written; free space on the database server, then retry';

/**
 * Remembers that a write failed for lack of space, so /health says so (a plain `SELECT 1` still succeeds on a
 * full disk) until a probe write finds room again.
 */
export class StorageWatch {
  private full = false;

  noteError(error: unknown): void {
    if (isOutOfSpace(error)) this.full = true;
  }

  /** Undefined while the store has room; else why it has none. */
  async problem(db: Database): Promise<string | undefined> {
    if (!this.full) return undefined;
    const rolledBack = new Error('probe rolled back');
    try {
      await db.transaction(async (tx) => {
        // About 64 KB that cannot be compressed away: it needs new pages, as real writes do.
        await tx.query(
          `INSERT INTO storage_probe (filler)
           SELECT string_agg(md5(g::text || clock_timestamp()::text), '') FROM generate_series(1, 2000) g`,
        );
        throw rolledBack;
      });
    } catch (error) {
      if (error !== rolledBack) return isOutOfSpace(error) ? OUT_OF_SPACE : undefined;
    }
    this.full = false;
    return undefined;
  }
}
