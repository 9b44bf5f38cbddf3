import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../../activities/index.js';
import type { Tracing } from '../tracing/index.js';
import { TRACING_WORKFLOW_MODULES, workerTracingOptions } from '../tracing/temporal.js';
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

export async function createWorker(
  setup: WorkerSetup,
): Promise<{ worker: Worker; connection: NativeConnection }> {
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
    // Cancellation reaches an activity with its next heartbeat response: flush heartbeats often so a cancel
    // stops a running chunk within half a second or so.
    defaultHeartbeatThrottleInterval: '200 milliseconds',
    maxHeartbeatThrottleInterval: '500 milliseconds',
    shutdownGraceTime: '10 seconds',
  });
  return { worker, connection };
}
