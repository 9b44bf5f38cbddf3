import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/logger.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

/** One real Temporal dev server and one workflow bundle for the whole suite. */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn');
  const dir = mkdtempSync(join(tmpdir(), 'hindsight-suite-'));
  const [server, bundle] = await Promise.all([
    startDevServer({
      dbFilename: undefined,
      port: await freePort(),
      uiPort: undefined,
      namespace: 'default',
      cliPath: process.env.TEMPORAL_CLI_PATH,
      logger,
    }),
    bundleWorkflows(),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', server.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
