/** How a bench script begins and ends: its scratch folder, and an exit that does not wait for stray handles. */
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder for one run's data; the embedded PostgreSQL server runs as the postgres user and must pass through it. */
export function scratchDir(name: string): string {
  const root = mkdtempSync(join(tmpdir(), `hindsight-bench-${name}-`));
  chmodSync(root, 0o711);
  return root;
}

/** The 1, 5 and 15 minute load averages, which every report prints so that a busy machine shows. */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * Runs a bench's main to its end and exits: sockets, pools and timers of the libraries it drove may still be
 * open after their stop, and a bench must not hang on them once its report is written.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
