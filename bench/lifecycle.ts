/** How a bench script begins and ends: its scratch folder, and an exit that does not wait for stray handles. */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDevServer } from '../test/support/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { startService } from './service.js';

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

/**
 * A Temporal dev server and the whole service started as a user starts it, with their data in one scratch
 * folder; `stop` ends both and removes the folder. `options` adds to or overrides the service's start.
 */
export async function startBenchService(
  name: string,
  options: Partial<Parameters<typeof startService>[0]> = {},
) {
  const root = scratchDir(name);
  const loadBefore = loadAverage();
  const devServer = await startTestDevServer({ dbFilename: join(root, 'temporal.sqlite') });
  const service = await startService({
    temporalAddress: devServer.address,
    dataDir: join(root, 'service'),
    port: await freePort(),
    postgresPort: await freePort(),
    taskQueue: `bench-${name}-${process.pid}`,
    ...options,
  });
  const stop = async () => {
    await service.stop();
    await devServer.stop();
    rmSync(root, { recursive: true, force: true });
  };
  return { root, loadBefore, service, stop };
}
