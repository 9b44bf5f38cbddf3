import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type Database, openDatabase } from '../../src/store/db.js';
import { createDatabase, dropDatabase } from './postgres-admin.js';

export interface ServiceOptions {
  bankConcurrency?: number;
  chunkSize?: number;
  chunkConcurrency?: number;
  /** Run only the API or only the worker (fault tests restart one without the other). */
  api?: boolean;
  worker?: boolean;
  /** Share a database and task queue with another instance (a restarted API or worker). */
  db?: Database & { url: string };
  taskQueue?: string;
  env?: Record<string, string>;
  /** Where the service logs (a test that reads the log); otherwise at HINDSIGHT_LOG_LEVEL, silent by default. */
  logger?: Logger;
}

export interface TestService {
  url: string;
  runtime: Runtime;
  /** A handle on the service's database, for assertions. */
  db: Database & { url: string };
  taskQueue: string;
  stop(): Promise<void>;
}

/** The leg's PostgreSQL server: the system one CI starts, or the embedded one the suite started. */
export function testDatabaseServerUrl(): string {
  return process.env.HINDSIGHT_TEST_DATABASE_URL || inject('embeddedPostgresUrl');
}

/**
 * A new, empty database on the leg's server. Every service gets one, because a database belongs to one
 * Temporal server: a service's reconciler starts the workflow of any unfinished operation its Temporal does
 * not know, so suites with a Temporal server of their own would otherwise run each other's operations.
 */
export function freshTestDatabaseUrl(): Promise<string> {
  return createDatabase(testDatabaseServerUrl(), `test_${randomUUID().replaceAll('-', '')}`);
}

/** A handle on a database of the leg (a fresh one unless `url` names one), dropped again on close. */
export async function openTestDatabase(url?: string): Promise<Database & { url: string }> {
  const target = url ?? (await freshTestDatabaseUrl());
  const db = openDatabase(target);
  const closeConnections = db.close.bind(db);
  return Object.assign(db, {
    url: target,
    close: async () => {
      await closeConnections();
      await dropDatabase(testDatabaseServerUrl(), target);
    },
  });
}

let bundle: { code: string } | undefined;

/**
 * The real API and worker, in this process, against the suite's real Temporal dev server, on a random
 * loopback port and a task queue of their own (so test files never pick up each other's work).
 */
export async function startService(options: ServiceOptions = {}): Promise<TestService> {
  bundle ??= { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const config = loadConfig({
    HINDSIGHT_PORT: '0',
    HINDSIGHT_LOG_LEVEL: process.env.HINDSIGHT_LOG_LEVEL ?? 'silent',
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    HINDSIGHT_BANK_CONCURRENCY: String(options.bankConcurrency ?? 2),
    HINDSIGHT_CHUNK_SIZE: String(options.chunkSize ?? 50),
    HINDSIGHT_CHUNK_CONCURRENCY: String(options.chunkConcurrency ?? 4),
    ...options.env,
  });
  const ownsDb = !options.db;
  const db = options.db ?? (await openTestDatabase());
  const runtime = await startRuntime(
    { ...config, databaseUrl: db.url },
    {
      api: options.api ?? true,
      worker: options.worker ?? true,
      logger: options.logger ?? createLogger(config.logLevel),
      workflowBundle: bundle,
      reconcileEveryMs: 1_000,
    },
  );
  return {
    url: runtime.url ?? '',
    runtime,
    db,
    taskQueue,
    stop: async () => {
      await runtime.stop();
      if (ownsDb) await db.close();
    },
  };
}

export const uniqueBank = (prefix = 'bank') => `${prefix}-${randomUUID().slice(0, 8)}`;
