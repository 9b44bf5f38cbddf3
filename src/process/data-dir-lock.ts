import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'service.pid';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/**
 * Claims the data directory for this process. The embedded servers keep their state there and must have one
 * owner: a second service on the same directory is refused, while the lock of a killed one (its pid is gone)
 * is taken over, and so are the servers it left behind.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  let holder: number | undefined;
  try {
    holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    // no lock yet
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `${dataDir} is in use by another Hindsight service (pid ${holder}). Stop it first, or give this one ` +
        'its own HINDSIGHT_DATA_DIR.',
    );
  }
  writeFileSync(file, String(process.pid));
  return {
    release: () => {
      try {
        if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file);
      } catch {
        // already gone
      }
    },
  };
}
