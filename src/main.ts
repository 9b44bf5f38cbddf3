import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { type Runtime, StartAborted, startRuntime } from './runtime.js';

const USAGE = 'usage: tsx src/main.ts <all|api|worker>';

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'all';
  if (!['all', 'api', 'worker'].includes(command)) {
    console.error(USAGE);
    process.exit(2);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  if (command !== 'all' && (!config.temporal.address || !config.databaseUrl)) {
    console.error(
      `\`${command}\` runs one part of a deployment: set TEMPORAL_ADDRESS and DATABASE_URL ` +
        '(the embedded Temporal and PostgreSQL servers belong to one process; use `npm start` for that).',
    );
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);

  // Signals are taken before anything starts: one during start-up stops what has started, one after it
  // drains the worker and stops the servers. A second one while stopping is ignored: the drain is bounded.
  const starting = new AbortController();
  let runtime: Runtime | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!runtime) {
      logger.info({ signal }, 'stopping during start-up');
      starting.abort();
      return;
    }
    logger.info({ signal }, 'stopping: draining the worker and closing servers');
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    runtime = await startRuntime(config, {
      api: command !== 'worker',
      worker: command !== 'api',
      logger,
      signal: starting.signal,
    });
  } catch (error) {
    if (error instanceof StartAborted) process.exit(0);
    throw error;
  }

  if (runtime.url) {
    console.log(`\nHindsight is up.\n  API:          ${runtime.url}\n  API docs:     ${runtime.url}/docs`);
    if (runtime.devServer?.uiUrl) console.log(`  Temporal UI:  ${runtime.devServer.uiUrl}`);
    if (runtime.embeddedPostgres) console.log(`  PostgreSQL:   ${runtime.embeddedPostgres.address}`);
    console.log(`  Data:         ${config.dataDir}\nPress Ctrl-C to stop.\n`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
