/**
 * The service in this process on a PostgreSQL server and a Temporal dev server of its own, for a bench that
 * also reads the store directly or needs no child process. `stop` ends all three.
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/runtime.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { createDatabase } from '../test/support/postgres-admin.js';
import { PostgresServer } from '../test/support/postgres-server.js';

export async function startInProcessService(options: {
  database: string;
  worker: boolean;
  env?: Record<string, string>;
}) {
  const postgres = await PostgresServer.start(await freePort());
  const dev = await startDevServer({
    dbFilename: undefined,
    port: await freePort(),
    uiPort: undefined,
    namespace: 'default',
    cliPath: undefined,
    logger: createLogger('silent'),
  });
  const databaseUrl = await createDatabase(postgres.url, options.database);
  const config = loadConfig({
    HINDSIGHT_PORT: '0',
    HINDSIGHT_LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: dev.address,
    ...options.env,
  });
  const runtime = await startRuntime(config, {
    api: true,
    worker: options.worker,
    logger: createLogger('silent'),
  });
  return {
    url: runtime.url!,
    databaseUrl,
    stop: async () => {
      await runtime.stop();
      await dev.stop();
      await postgres.remove();
    },
  };
}
