import { existsSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { createApp } from './api/app.js';
import { guardRequestBodies, LINGER_BYTES, LINGER_MS } from './api/body-guard.js';
import type { Config } from './config.js';
import { createHealthCheck } from './health.js';
import type { Logger } from './logger.js';
import { OperationService } from './operations/service.js';
import { lockDataDir } from './process/data-dir-lock.js';
import { ExtractionPool } from './retain/extraction-pool.js';
import { type Database, openDatabase } from './store/db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './store/embedded-postgres.js';
import { migrate } from './store/migrate.js';
import { type DevServer, startDevServer } from './temporal/dev-server.js';
import { requireSearchAttributes } from './temporal/search-attributes.js';
import { TrackedCalls } from './temporal/tracked-calls.js';
import type { WorkerGroup } from './temporal/worker.js';
import { startTracing } from './tracing/index.js';
import { traceDatabase } from './tracing/store.js';
import { tracingClientInterceptors } from './tracing/temporal.js';
import { createWebhookDispatcher } from './webhooks/dispatch.js';

export interface RuntimeOptions {
  api: boolean;
  worker: boolean;
  logger: Logger;
  workflowBundle?: { code: string };
  reconcileEveryMs?: number;
  /** Aborted (a signal during start-up): stop what has started and reject with StartAborted. */
  signal?: AbortSignal;
}

export interface Runtime {
  config: Config;
  db: Database;
  client: Client;
  operations: OperationService;
  extraction: ExtractionPool;
  devServer: DevServer | undefined;
  embeddedPostgres: EmbeddedPostgres | undefined;
  /** Where the API listens, once started. */
  url: string | undefined;
  stop(): Promise<void>;
}

export class StartAborted extends Error {
  constructor() {
    super('start-up was interrupted');
  }
}

/** An earlier version kept the embedded store in `pglite/`: refuse rather than silently start empty beside it. */
function refuseLegacyStore(dataDir: string): void {
  const legacy = join(dataDir, 'pglite');
  if (!existsSync(legacy) || readdirSync(legacy).length === 0) return;
  throw new Error(
    `${legacy} holds a store written by an earlier version (embedded PGlite), which this version no longer ` +
      'reads; it now runs an embedded PostgreSQL server. Nothing was changed. To start with an empty store, ' +
      `move that directory away (mv ${legacy} ${legacy}.old) and start again; memories come back by retaining ` +
      'their documents again.',
  );
}

async function loadWorkerModules() {
  const [worker, sdkRuntime, sweeper] = await Promise.all([
    import('./temporal/worker.js'),
    import('./temporal/sdk-runtime.js'),
    import('./temporal/retention-sweeper.js'),
  ]);
  return {
    bundleWorkflows: worker.bundleWorkflows,
    createWorker: worker.createWorker,
    installSdkRuntime: sdkRuntime.installSdkRuntime,
    startRetentionSweeper: sweeper.startRetentionSweeper,
  };
}

/** Starts the parts the process is asked to run: the API, the worker, or both (plus the embedded servers). */
export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const { logger, signal } = options;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.warn({ err }, 'stop failed'));
    stops.length = 0;
  };
  const checkpoint = () => {
    if (signal?.aborted) throw new StartAborted();
  };
  try {
    // The worker's modules (the SDK's native runtime, the bundler, the activities) load only where a worker
    // runs: the API alone (`npm run api`) talks to Temporal through the client's own connection.
    const workerModules = options.worker ? await loadWorkerModules() : undefined;
    workerModules?.installSdkRuntime(logger, config.workerMetricsAddress);
    // Tracing hook: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (src/tracing).
    const tracing = startTracing(logger);
    if (tracing) stops.push(() => tracing.spanProcessor.forceFlush());
    const embeddedTemporal = !config.temporal.address;
    const embeddedStore = !config.databaseUrl;
    if (embeddedTemporal || embeddedStore) {
      const lock = lockDataDir(config.dataDir);
      stops.push(async () => lock.release());
    }
    if (embeddedStore) refuseLegacyStore(config.dataDir);

    // The slow parts of a cold start (dev server, store server, workflow bundle) run side by side.
    const devServerStart = embeddedTemporal
      ? startDevServer({
          dbFilename: join(config.dataDir, 'temporal.sqlite'),
          port: config.temporal.devServerPort,
          uiPort: config.temporal.uiPort,
          namespace: config.temporal.namespace,
          // Histories are kept at least as long as the operation rows (off: the dev server's own day).
          retentionMs: config.retention.operationRetentionMs ?? undefined,
          cliPath: config.temporal.cliPath,
          logger,
        })
      : Promise.resolve(undefined);
    const postgresStart = embeddedStore
      ? startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger })
      : Promise.resolve(undefined);
    const bundling =
      workerModules && !options.workflowBundle
        ? workerModules.bundleWorkflows()
        : Promise.resolve(options.workflowBundle);
    bundling.catch(() => undefined); // awaited below, unless start-up stops first
    // Servers are stopped even when start-up fails or is interrupted: wait for both to settle first.
    const [devServerResult, postgresResult] = await Promise.allSettled([devServerStart, postgresStart]);
    for (const result of [devServerResult, postgresResult]) {
      const server = result.status === 'fulfilled' ? result.value : undefined;
      if (server) stops.push(() => server.stop());
    }
    for (const r of [devServerResult, postgresResult]) if (r.status === 'rejected') throw r.reason;
    checkpoint();
    const devServer = (devServerResult as PromiseFulfilledResult<DevServer | undefined>).value;
    const embeddedPostgres = (postgresResult as PromiseFulfilledResult<EmbeddedPostgres | undefined>).value;

    const storeDb = openDatabase(config.databaseUrl ?? embeddedPostgres!.url);
    stops.push(() => storeDb.close());
    const db = tracing ? traceDatabase(storeDb) : storeDb;
    await migrate(db);
    checkpoint();

    const address = config.temporal.address ?? devServer!.address;
    const connection = await Connection.connect({ address });
    const calls = new TrackedCalls(connection);
    stops.push(async () => {
      await calls.drain();
      await connection.close();
    });
    await requireSearchAttributes(connection, config.temporal.namespace, logger);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      interceptors: tracingClientInterceptors(tracing),
    });
    const notifyEnded = createWebhookDispatcher({ db, client, calls, config, logger });
    const operations = new OperationService(db, client, calls, config, logger, notifyEnded);
    stops.push(() => operations.drain());
    const extraction = new ExtractionPool(config.extractionThreads);
    stops.push(() => extraction.close());

    let worker: WorkerGroup | undefined;
    if (workerModules) {
      const workflowBundle = await bundling;
      checkpoint();
      const created = await workerModules.createWorker({
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
          extraction,
          startFollowUps: (bankId) => operations.startFollowUps(bankId),
          onOperationEnded: notifyEnded,
        },
      });
      worker = created.worker;
      const running = worker.run();
      stops.push(async () => {
        if (created.worker.getState() === 'RUNNING') created.worker.shutdown();
        await running;
        await created.connection.close();
      });
      running.catch((err) => logger.error({ err }, 'worker stopped with an error'));
      // Stopped before the store closes (stops run in reverse order).
      const sweeper = workerModules.startRetentionSweeper(db, config.retention, logger);
      stops.push(() => sweeper.stop());
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
      checkpoint();
    }

    let url: string | undefined;
    if (options.api) {
      const health = createHealthCheck({ db, connection, calls, worker });
      const app = createApp({ db, operations, extraction, config, logger, health });
      const server = await new Promise<ServerType>((resolve) => {
        // Bodies left unread by an answer are drained by guardRequestBodies, with its own bounds.
        const s = serve(
          { fetch: app.fetch, port: config.port, hostname: config.host, autoCleanupIncoming: false },
          () => resolve(s),
        );
        guardRequestBodies(s as Server, {
          timeoutMs: config.limits.bodyTimeoutMs,
          minBytesPerSecond: config.limits.bodyMinBytesPerSecond,
          lingerMs: LINGER_MS,
          lingerBytes: Math.max(config.maxBodyBytes, LINGER_BYTES),
        });
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
      checkpoint();
    }

    return {
      config,
      db,
      client,
      operations,
      extraction,
      devServer,
      embeddedPostgres,
      url,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
