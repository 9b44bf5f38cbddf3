import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { createApp } from './api/app.js';
import type { HealthReport } from './api/deps.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { OperationService } from './operations/service.js';
import { ExtractionPool } from './retain/extraction-pool.js';
import { type Database, openDatabase } from './store/db.js';
import { migrate } from './store/migrate.js';
import { type DevServer, startDevServer } from './temporal/dev-server.js';
import { installSdkRuntime } from './temporal/sdk-runtime.js';
import { TrackedCalls } from './temporal/tracked-calls.js';
import { bundleWorkflows, createWorker } from './temporal/worker.js';
import { startTracing } from './tracing/index.js';
import { traceDatabase } from './tracing/store.js';
import { tracingClientInterceptors } from './tracing/temporal.js';
import { createWebhookDispatcher } from './webhooks/dispatch.js';

export interface RuntimeOptions {
  api: boolean;
  worker: boolean;
  logger: Logger;
  workflowBundle?: { code: string };
  /** Use this database instead of opening one from the config (tests share one across restarts). */
  db?: Database;
  reconcileEveryMs?: number;
}

export interface Runtime {
  config: Config;
  db: Database;
  client: Client;
  operations: OperationService;
  extraction: ExtractionPool;
  devServer: DevServer | undefined;
  /** Where the API listens, once started. */
  url: string | undefined;
  stop(): Promise<void>;
}

const HEALTH_PROBE_MS = 2_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the parts the process is asked to run: the API, the worker, or both (plus the embedded servers). */
export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.warn({ err }, 'stop failed'));
  };
  try {
    installSdkRuntime(logger, options.worker ? config.workerMetricsAddress : undefined);
    // Tracing hook: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (src/tracing).
    const tracing = startTracing(logger);
    if (tracing) stops.push(() => tracing.spanProcessor.forceFlush());
    // The slow parts of a cold start (dev server, first PGlite open, workflow bundle) run side by side.
    const devServerStart = config.temporal.address
      ? Promise.resolve(undefined)
      : startDevServer({
          dbFilename: join(config.dataDir, 'temporal.sqlite'),
          port: config.temporal.devServerPort,
          uiPort: config.temporal.uiPort,
          namespace: config.temporal.namespace,
          cliPath: config.temporal.cliPath,
          logger,
        });
    const dbOpen = options.db
      ? Promise.resolve(options.db)
      : openDatabase(
          config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') },
        );
    const bundling =
      options.worker && !options.workflowBundle ? bundleWorkflows() : Promise.resolve(options.workflowBundle);
    const [devServerResult, dbResult, bundleResult] = await Promise.allSettled([
      devServerStart,
      dbOpen,
      bundling,
    ]);
    if (devServerResult.status === 'fulfilled' && devServerResult.value) {
      const server = devServerResult.value;
      stops.push(() => server.stop());
    }
    if (dbResult.status === 'fulfilled' && !options.db) {
      const opened = dbResult.value;
      stops.push(() => opened.close());
    }
    for (const r of [devServerResult, dbResult, bundleResult]) if (r.status === 'rejected') throw r.reason;
    const devServer = (devServerResult as PromiseFulfilledResult<DevServer | undefined>).value;
    const storeDb = (dbResult as PromiseFulfilledResult<Database>).value;
    const db = tracing ? traceDatabase(storeDb) : storeDb;
    const workflowBundle = (bundleResult as PromiseFulfilledResult<{ code: string } | undefined>).value;
    const address = config.temporal.address ?? devServer!.address;
    await migrate(db);

    const connection = await Connection.connect({ address });
    const calls = new TrackedCalls(connection);
    stops.push(async () => {
      await calls.drain();
      await connection.close();
    });
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      interceptors: tracingClientInterceptors(tracing),
    });
    const notifyEnded = createWebhookDispatcher({ db, client, calls, config, logger });
    const operations = new OperationService(db, client, calls, config, logger, notifyEnded);
    const extraction = new ExtractionPool(config.extractionThreads);
    stops.push(() => extraction.close());

    if (options.worker) {
      const { worker, connection: workerConnection } = await createWorker({
        address,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        workflowBundle,
        tracing,
        deps: {
          db,
          client,
          calls,
          config,
          logger,
          operations,
          extraction,
          onOperationEnded: notifyEnded,
        },
      });
      const running = worker.run();
      stops.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await workerConnection.close();
      });
      running.catch((err) => logger.error({ err }, 'worker stopped with an error'));
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
    }

    let url: string | undefined;
    if (options.api) {
      const health = async (): Promise<HealthReport> => {
        const parts: HealthReport['parts'] = {};
        const check = async (name: string, probe: () => Promise<unknown>) => {
          try {
            await withTimeout(probe(), HEALTH_PROBE_MS, name);
            parts[name] = { status: 'ok' };
          } catch (error) {
            parts[name] = { status: 'unavailable', error: (error as Error).message };
          }
        };
        await Promise.all([
          check('database', () => db.query('SELECT 1')),
          check('temporal', () =>
            calls.run(() => connection.workflowService.getSystemInfo({}), HEALTH_PROBE_MS),
          ),
        ]);
        const ok = Object.values(parts).every((p) => p.status === 'ok');
        return { status: ok ? 'ok' : 'unavailable', parts };
      };
      const app = createApp({ db, operations, extraction, config, logger, health });
      const server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
      });
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Open event streams and idle keep-alive sockets would otherwise hold the close open.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      );
      const port = (server.address() as { port: number }).port;
      url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      // One sweep at a time: with Temporal down each row waits out a call deadline, so a sweep can outlast
      // the interval, and a tick that started a second one would also leave the first unawaited at stop.
      let sweeping: Promise<void> | undefined;
      const sweep = setInterval(() => {
        sweeping ??= operations
          .reconcileAll()
          .catch((err) => logger.warn({ err }, 'reconcile sweep failed'))
          .finally(() => {
            sweeping = undefined;
          });
      }, options.reconcileEveryMs ?? 15_000);
      // A sweep still talking to Temporal must finish (its calls have deadlines) before the connection closes:
      // the SDK's retry timers fail loudly on a closed channel.
      stops.push(async () => {
        clearInterval(sweep);
        await sweeping;
      });
      logger.info({ url }, 'API listening');
    }

    return { config, db, client, operations, extraction, devServer, url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
