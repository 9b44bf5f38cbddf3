import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities, modelActivities } from '../../activities/index.js';
import { modelTaskQueue } from '../../workflows/definitions.js';
import type { Tracing } from '../tracing/index.js';
import { TRACING_WORKFLOW_MODULES, workerTracingOptions } from '../tracing/temporal.js';
import { activityMetrics } from './activity-metrics.js';
import { cachedBundle } from './bundle-cache.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WORKFLOWS_PATH = join(REPO_ROOT, 'workflows', 'index.ts');
const BUNDLE_CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'hindsight');

/** Workflow sources import siblings as `./x.js` (NodeNext style); teach the bundler that those are .ts files. */
export const bundlerOptions: WorkerOptions['bundlerOptions'] = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
    return config;
  },
};

/**
 * Bundles the workflow code for the worker's sandbox (webpack: seconds, so the service's own bundle is reused
 * until the code changes). Tests bundle variants of it from their own entry points, uncached.
 */
export function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<{ code: string }> {
  const bundle = async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules: TRACING_WORKFLOW_MODULES,
      ...bundlerOptions,
      logger: silentLogger,
    });
    return { code };
  };
  return workflowsPath === WORKFLOWS_PATH
    ? cachedBundle(dirname(WORKFLOWS_PATH), BUNDLE_CACHE_DIR, bundle)
    : bundle();
}

const silentLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface WorkerSetup {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build it once for the whole suite); otherwise the worker bundles at start. */
  workflowBundle?: { code: string } | undefined;
  /** Set when OpenTelemetry tracing is on. */
  tracing?: Tracing | undefined;
}

/** The service's workers run, stop and report their state as one. */
export class WorkerGroup {
  constructor(private readonly workers: Worker[]) {}

  run(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.run())).then(() => undefined);
  }

  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }

  getState(): ReturnType<Worker['getState']> {
    return this.workers[0]!.getState();
  }
}

/**
 * Activities per second for a quota of requests per minute: a quarter above the quota. The server's limiter
 * is not exact (a task queue's partitions each get a share of the rate, and bursts), so the exact limit is the
 * store's request budget each call takes from (src/models/budget.ts); this only keeps activities from starting
 * far ahead of it, to wait there.
 */
const dispatchRate = (perMinute: number) => (perMinute * 1.25) / 60;

/**
 * The worker for model calls, on a task queue of its own, whose dispatch rate Temporal's server holds a little
 * above the deployment's request quota across every worker. Only when a provider is configured.
 */
async function createModelWorker(
  connection: NativeConnection,
  setup: WorkerSetup,
): Promise<Worker | undefined> {
  const { models } = setup.deps.config;
  if (!models.chat && !models.embeddings) return undefined;
  return Worker.create({
    connection,
    namespace: setup.namespace,
    taskQueue: modelTaskQueue(setup.taskQueue),
    activities: modelActivities(setup.deps),
    interceptors: { activity: [activityMetrics] },
    // Calls wait on the network, not the CPU: many may be in flight.
    maxConcurrentActivityTaskExecutions: 200,
    ...(models.requestsPerMinute
      ? { maxTaskQueueActivitiesPerSecond: dispatchRate(models.requestsPerMinute) }
      : {}),
    defaultHeartbeatThrottleInterval: '200 milliseconds',
    maxHeartbeatThrottleInterval: '500 milliseconds',
    shutdownGraceTime: '10 seconds',
  });
}

/**
 * How long one workflow activation may run before the SDK stops it (its default is 5 s). That stop is wall-clock
 * and lands in microtasks, where all workflow code after its first `await` runs; there Node cannot unwind its
 * async-hooks stack (nodejs/node#38503, #43135; temporalio/sdk-typescript#939) and aborts the whole process with
 * "async hook stack has become corrupted". On a starved CPU an ordinary bank-queue activation amid a signal
 * flood passed 5 s, so the guard meant to fail one task crashed every workflow and activity of the worker.
 * Our workflow code has no unbounded loops (lint and review keep it so); a stop far beyond the server's 10 s
 * workflow task timeout only catches code that never ends.
 */
export const WORKFLOW_ACTIVATION_BOUND = '10 minutes';

// One V8 context shared by the thread's workflows (the SDK default, stated here beside the bound it goes with).
const sandbox = { isolateExecutionTimeout: WORKFLOW_ACTIVATION_BOUND, reuseV8Context: true };
/**
 * The workflow sandbox's options every worker of the service (and the tests' own) runs with. The SDK reads
 * this option but leaves it out of its typed options ("not exposed at the moment"), hence the indirection.
 */
export const workflowSandboxOptions: Partial<WorkerOptions> = sandbox;

export async function createWorker(
  setup: WorkerSetup,
): Promise<{ worker: WorkerGroup; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: setup.address });
  const tracing = workerTracingOptions(setup.tracing);
  const version = setup.deps.config.temporal.deploymentVersion;
  const worker = await Worker.create({
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle
      ? { workflowBundle: setup.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions }),
    activities: createActivities(setup.deps),
    sinks: tracing.sinks,
    interceptors: {
      ...tracing.interceptors,
      // After the tracing interceptors, so the attempt's span is current when the timing names it.
      activity: [...(tracing.interceptors?.activity ?? []), activityMetrics],
      ...(setup.workflowBundle ? {} : { workflowModules: TRACING_WORKFLOW_MODULES }),
    },
    // A versioned worker keeps each execution on the code that started it (PINNED): a deploy drains old
    // operations on old workers (docs/ARCHITECTURE.md, "Changing workflow code").
    ...(version
      ? {
          workerDeploymentOptions: {
            version,
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
    // Bounded so that memory does not grow with every bank and operation seen (HINDSIGHT_MAX_CACHED_WORKFLOWS).
    maxCachedWorkflows: setup.deps.config.temporal.maxCachedWorkflows,
    // Cancellation reaches an activity with its next heartbeat response, and chunks heartbeat on a timer:
    // sending one every 200 ms stops a running chunk within a quarter second or so of the cancel.
    defaultHeartbeatThrottleInterval: '200 milliseconds',
    maxHeartbeatThrottleInterval: '200 milliseconds',
    shutdownGraceTime: '10 seconds',
    ...workflowSandboxOptions,
  });
  const modelWorker = await createModelWorker(connection, setup);
  return { worker: new WorkerGroup(modelWorker ? [worker, modelWorker] : [worker]), connection };
}
