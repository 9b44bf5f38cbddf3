import { createLogger } from '../../src/logger.js';
import { type DevServerOptions, startDevServer } from '../../src/temporal/dev-server.js';
import { freePort } from './ports.js';

/** Headless, in memory, on a free port unless told otherwise. */
export async function testDevServerOptions(
  overrides: Partial<DevServerOptions> = {},
): Promise<DevServerOptions> {
  return {
    dbFilename: undefined,
    port: overrides.port ?? (await freePort()),
    uiPort: undefined,
    namespace: 'default',
    cliPath: process.env.TEMPORAL_CLI_PATH,
    logger: createLogger('warn'),
    ...overrides,
  };
}

/**
 * A real Temporal dev server of the suite's own: for suites that stop it, tune it, or load it so hard that
 * suites running beside them on the shared server would wait on its single SQLite connection.
 */
export async function startTestDevServer(overrides: Partial<DevServerOptions> = {}) {
  return startDevServer(await testDevServerOptions(overrides));
}
