import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/logger.js';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { startTestDevServer } from './dev-server.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    /** The embedded leg's PostgreSQL server (empty on the system PostgreSQL leg). */
    embeddedPostgresUrl: string;
  }
}

/**
 * One real Temporal dev server and one workflow bundle for the whole suite, and on the embedded leg the same
 * embedded PostgreSQL server the service runs by default (each service gets a database of its own on it).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'hindsight-suite-'));
  const embedded = project.name === 'embedded';
  const storeDir = mkdtempSync(join(tmpdir(), 'hindsight-suite-store-'));
  const [server, bundle, postgres] = await Promise.all([
    startTestDevServer(),
    bundleWorkflows(),
    embedded
      ? freePort().then((port) =>
          startEmbeddedPostgres({ dataDir: storeDir, port, logger: createLogger('warn') }),
        )
      : undefined,
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('embeddedPostgresUrl', postgres?.url.replace(/\/hindsight$/, '/postgres') ?? '');
  return async () => {
    await Promise.all([server.stop(), postgres?.stop()]);
    for (const d of [dir, storeDir]) rmSync(d, { recursive: true, force: true });
  };
}
