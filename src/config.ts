import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseRetention } from './retention-period.js';
import type { WebhookNetworks } from './webhooks/url-guard.js';

/** One less than the cores, at least one: the event loop keeps a core for the store, HTTP and Temporal. */
const DEFAULT_EXTRACTION_THREADS = Math.max(1, availableParallelism() - 1);

/** `HINDSIGHT_OPERATION_RETENTION` in milliseconds (null: off), or an issue that says what to write. */
function retentionSetting(raw: string, ctx: z.RefinementCtx): number | null {
  const parsed = parseRetention(raw);
  if (parsed === null || typeof parsed === 'number') return parsed;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
}

// Every environment variable the service reads, in one place. The README's table mirrors this schema.
const envSchema = z.object({
  HINDSIGHT_DATA_DIR: z.string().min(1).default('./.hindsight'),
  HINDSIGHT_HOST: z.string().min(1).default('127.0.0.1'),
  HINDSIGHT_PORT: z.coerce.number().int().min(0).max(65535).default(8888),
  HINDSIGHT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HINDSIGHT_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  // Connections one client can hold: event streams, and how long a request body may take to arrive.
  HINDSIGHT_MAX_EVENT_STREAMS: z.coerce.number().int().min(1).max(100_000).default(1000),
  HINDSIGHT_MAX_EVENT_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(100),
  HINDSIGHT_MAX_OPERATION_WAITS: z.coerce.number().int().min(1).max(100_000).default(2000),
  HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(100),
  HINDSIGHT_EVENT_STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  HINDSIGHT_EVENT_STREAM_MAX_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  HINDSIGHT_BODY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(600_000),
  HINDSIGHT_BODY_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(0).max(1_000_000_000).default(1024),
  HINDSIGHT_BANK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(2),
  HINDSIGHT_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(250),
  HINDSIGHT_CHUNK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  HINDSIGHT_EXTRACTION_THREADS: z.coerce.number().int().min(0).max(64).default(DEFAULT_EXTRACTION_THREADS),
  // At least the worker's 40 workflow tasks at once (the SDK's default), each of which holds its workflow.
  HINDSIGHT_MAX_CACHED_WORKFLOWS: z.coerce
    .number({ error: 'must be a whole number of workflows, such as 250' })
    .int('must be a whole number of workflows, such as 250')
    .min(
      40,
      'must be at least 40: the worker runs up to 40 workflow tasks at once, each with its workflow in memory',
    )
    .max(100_000, 'must be at most 100000 workflows')
    .default(250),
  HINDSIGHT_API_KEYS: z.string().default(''),
  HINDSIGHT_ALLOWED_HOSTS: z.string().default(''),
  HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK: z.stringbool().default(false),
  HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  HINDSIGHT_WORKER_METRICS_ADDRESS: z.string().min(1).optional(),
  // Model providers (OpenAI-compatible). Names follow the reference product's; unset: the built-in extractor.
  HINDSIGHT_API_LLM_PROVIDER: z.enum(['none', 'openai']).default('none'),
  HINDSIGHT_API_LLM_BASE_URL: z.string().url().default('https://api.openai.com/v1'),
  HINDSIGHT_API_LLM_API_KEY: z.string().default(''),
  HINDSIGHT_API_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  HINDSIGHT_API_EMBEDDINGS_PROVIDER: z.enum(['none', 'openai']).default('none'),
  HINDSIGHT_API_EMBEDDINGS_OPENAI_BASE_URL: z.string().url().optional(),
  HINDSIGHT_API_EMBEDDINGS_OPENAI_API_KEY: z.string().optional(),
  HINDSIGHT_API_EMBEDDINGS_OPENAI_MODEL: z.string().min(1).default('text-embedding-3-small'),
  HINDSIGHT_MODEL_REQUESTS_PER_MINUTE: z.coerce.number().positive().max(1_000_000).optional(),
  HINDSIGHT_MODEL_TOKENS_PER_MINUTE: z.coerce
    .number({ error: 'must be a whole number of tokens a minute, such as 200000' })
    .int('must be a whole number of tokens a minute, such as 200000')
    .positive('must be at least 1 token a minute (leave it unset for no limit)')
    .max(1_000_000_000, 'must be at most 1000000000 tokens a minute')
    .optional(),
  HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  HINDSIGHT_REFLECT_WAIT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds, such as 60000' })
    .int()
    .min(1000, 'must be at least 1000 ms')
    .max(600_000, 'must be at most 600000 ms (10 min)')
    .default(60_000),
  HINDSIGHT_MODEL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  HINDSIGHT_MODEL_OUTAGE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(6 * 3_600_000),
  // Ended operations, their staged documents and model answers are removed this long after they ended.
  HINDSIGHT_OPERATION_RETENTION: z.string().default('30d').transform(retentionSetting),
  HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS: z.coerce
    .number({ error: 'must be a whole number of milliseconds, such as 600000 (10 minutes)' })
    .int('must be a whole number of milliseconds, such as 600000 (10 minutes)')
    .min(100, 'must be at least 100 milliseconds')
    .max(86_400_000, 'must be at most 86400000 milliseconds (a day)')
    .default(600_000),
  HINDSIGHT_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(7432),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('hindsight'),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_WORKER_BUILD_ID: z.string().optional(),
  TEMPORAL_DEPLOYMENT_NAME: z.string().min(1).default('hindsight'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  logLevel: Env['HINDSIGHT_LOG_LEVEL'];
  maxBodyBytes: number;
  limits: ConnectionLimitsConfig;
  bankConcurrency: number;
  chunkSize: number;
  chunkConcurrency: number;
  /** Threads that extract facts from documents (0: on the event loop itself). */
  extractionThreads: number;
  /** key -> banks it may touch (null: all banks). Empty map: no authentication. */
  apiKeys: Map<string, string[] | null>;
  /**
   * Host names a keyless API on loopback answers besides the loopback ones (`*`: any); see
   * src/api/host-check.ts.
   */
  allowedHosts: string[];
  /** Non-public networks webhooks may reach (link-local and metadata addresses never). */
  webhookNetworks: WebhookNetworks;
  /** First retry delay of a failed webhook delivery; later ones double up to an hour. */
  webhookRetryInitialMs: number;
  /** host:port where the Temporal worker runtime serves its own Prometheus metrics (unset: off). */
  workerMetricsAddress: string | undefined;
  /** How long ended operations are kept before the worker side removes them. */
  retention: RetentionConfig;
  /** Model providers; null: not configured (the built-in extractor, full-text recall). */
  models: ModelsConfig;
  /** undefined: start the embedded PostgreSQL server */
  databaseUrl: string | undefined;
  /** Loopback port of the embedded PostgreSQL server. */
  embeddedPostgresPort: number;
  temporal: {
    /** undefined: start the embedded dev server */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    uiPort: number;
    cliPath: string | undefined;
    /**
     * The worker's deployment version (Worker Versioning): set, the worker serves only executions of its
     * own version and new ones once the version is made current; unset, it serves every execution.
     */
    deploymentVersion: { deploymentName: string; buildId: string } | undefined;
    /**
     * Workflow executions the worker keeps in memory between their tasks (the SDK sizes its default from
     * the heap limit: about 2,000 here). One past it is evicted and replays its history on its next task.
     */
    maxCachedWorkflows: number;
  };
}

export interface ConnectionLimitsConfig {
  /** Event streams open at once in this process (503 past it). */
  maxEventStreams: number;
  /** Event streams open at once per API key, or per client address without keys (429 past it). */
  maxEventStreamsPerClient: number;
  /** `GET …/operations/{id}?wait=` requests waiting at once in this process (503 past it). */
  maxOperationWaits: number;
  /** Waiting `GET …/operations/{id}?wait=` requests per API key, or per client address (429 past it). */
  maxOperationWaitsPerClient: number;
  /** An idle event stream gets a `: ping` comment this often. */
  eventStreamHeartbeatMs: number;
  /** An event stream whose unsent bytes pass this (its client stopped reading) is dropped. */
  eventStreamMaxBufferBytes: number;
  /** A request body must have arrived this long after the request started (408 past it). */
  bodyTimeoutMs: number;
  /** A request body slower than this over a 10 s window is cut off with 408 (0: no minimum). */
  bodyMinBytesPerSecond: number;
}

export interface RetentionConfig {
  /** Milliseconds after its end that an operation's record is removed; null: kept forever. */
  operationRetentionMs: number | null;
  /** How often the worker side looks for expired operations. */
  cleanupIntervalMs: number;
}

export interface ProviderEndpoint {
  baseUrl: string;
  apiKey: string;
  model: string;
}

export interface ModelsConfig {
  chat: ProviderEndpoint | null;
  embeddings: ProviderEndpoint | null;
  /** Requests per minute for the whole deployment (Temporal's task-queue rate limit); unset: no limit. */
  requestsPerMinute: number | undefined;
  /** Tokens per minute of each model for the whole deployment (a bucket in the store); unset: no limit. */
  tokensPerMinute: number | undefined;
  /** How long a synchronous retain waits for its operation before it answers 202 with the operation. */
  syncRetainWaitMs: number;
  /** How long a reflect request waits for its answer before it answers 503 with Retry-After. */
  reflectWaitMs: number;
  /** How long one provider call may take before it counts as failed and is retried. */
  callTimeoutMs: number;
  /** How long an operation keeps retrying a provider that does not answer before it fails. */
  outageTimeoutMs: number;
}

export class ConfigError extends Error {}

function modelsConfig(e: Env): ModelsConfig {
  const chat =
    e.HINDSIGHT_API_LLM_PROVIDER === 'openai'
      ? {
          baseUrl: e.HINDSIGHT_API_LLM_BASE_URL,
          apiKey: e.HINDSIGHT_API_LLM_API_KEY,
          model: e.HINDSIGHT_API_LLM_MODEL,
        }
      : null;
  const embeddings =
    e.HINDSIGHT_API_EMBEDDINGS_PROVIDER === 'openai'
      ? {
          // The chat provider's endpoint and key serve embeddings too unless they are given separately.
          baseUrl: e.HINDSIGHT_API_EMBEDDINGS_OPENAI_BASE_URL ?? e.HINDSIGHT_API_LLM_BASE_URL,
          apiKey: e.HINDSIGHT_API_EMBEDDINGS_OPENAI_API_KEY ?? e.HINDSIGHT_API_LLM_API_KEY,
          model: e.HINDSIGHT_API_EMBEDDINGS_OPENAI_MODEL,
        }
      : null;
  return {
    chat,
    embeddings,
    requestsPerMinute: e.HINDSIGHT_MODEL_REQUESTS_PER_MINUTE,
    tokensPerMinute: e.HINDSIGHT_MODEL_TOKENS_PER_MINUTE,
    syncRetainWaitMs: e.HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS,
    reflectWaitMs: e.HINDSIGHT_REFLECT_WAIT_MS,
    callTimeoutMs: e.HINDSIGHT_MODEL_CALL_TIMEOUT_MS,
    outageTimeoutMs: e.HINDSIGHT_MODEL_OUTAGE_TIMEOUT_MS,
  };
}

/** `key1:bank-a|bank-b,key2` — a key with no banks may touch every bank. */
function parseApiKeys(raw: string): Map<string, string[] | null> {
  const keys = new Map<string, string[] | null>();
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, banks] = entry.split(':', 2) as [string, string | undefined];
    keys.set(key, banks ? banks.split('|').filter(Boolean) : null);
  }
  return keys;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    dataDir: resolve(e.HINDSIGHT_DATA_DIR),
    host: e.HINDSIGHT_HOST,
    port: e.HINDSIGHT_PORT,
    logLevel: e.HINDSIGHT_LOG_LEVEL,
    maxBodyBytes: e.HINDSIGHT_MAX_BODY_BYTES,
    limits: {
      maxEventStreams: e.HINDSIGHT_MAX_EVENT_STREAMS,
      maxEventStreamsPerClient: e.HINDSIGHT_MAX_EVENT_STREAMS_PER_CLIENT,
      maxOperationWaits: e.HINDSIGHT_MAX_OPERATION_WAITS,
      maxOperationWaitsPerClient: e.HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT,
      eventStreamHeartbeatMs: e.HINDSIGHT_EVENT_STREAM_HEARTBEAT_MS,
      eventStreamMaxBufferBytes: e.HINDSIGHT_EVENT_STREAM_MAX_BUFFER_BYTES,
      bodyTimeoutMs: e.HINDSIGHT_BODY_TIMEOUT_MS,
      bodyMinBytesPerSecond: e.HINDSIGHT_BODY_MIN_BYTES_PER_SECOND,
    },
    bankConcurrency: e.HINDSIGHT_BANK_CONCURRENCY,
    chunkSize: e.HINDSIGHT_CHUNK_SIZE,
    chunkConcurrency: e.HINDSIGHT_CHUNK_CONCURRENCY,
    extractionThreads: e.HINDSIGHT_EXTRACTION_THREADS,
    apiKeys: parseApiKeys(e.HINDSIGHT_API_KEYS),
    allowedHosts: e.HINDSIGHT_ALLOWED_HOSTS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    webhookNetworks: e.HINDSIGHT_WEBHOOK_ALLOW_PRIVATE
      ? 'private'
      : e.HINDSIGHT_WEBHOOK_ALLOW_LOOPBACK
        ? 'loopback'
        : 'public',
    webhookRetryInitialMs: e.HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS,
    workerMetricsAddress: e.HINDSIGHT_WORKER_METRICS_ADDRESS,
    retention: {
      operationRetentionMs: e.HINDSIGHT_OPERATION_RETENTION,
      cleanupIntervalMs: e.HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS,
    },
    models: modelsConfig(e),
    databaseUrl: e.DATABASE_URL,
    embeddedPostgresPort: e.HINDSIGHT_POSTGRES_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServerPort: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      cliPath: e.TEMPORAL_CLI_PATH,
      deploymentVersion: e.TEMPORAL_WORKER_BUILD_ID
        ? { deploymentName: e.TEMPORAL_DEPLOYMENT_NAME, buildId: e.TEMPORAL_WORKER_BUILD_ID }
        : undefined,
      maxCachedWorkflows: e.HINDSIGHT_MAX_CACHED_WORKFLOWS,
    },
  };
}
