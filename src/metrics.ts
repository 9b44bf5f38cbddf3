// Prometheus text exposition (format 0.0.4), written by hand: a handful of counters and one histogram do not
// justify a dependency. Counters live in this process; the store-backed gauges are rendered by the caller.

type Labels = Record<string, string>;

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

const keyOf = (labels: Labels) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${formatNumber(value)}`);
    }
    return lines;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<
    string,
    { labels: Labels; buckets: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    this.bounds.forEach((bound, i) => {
      if (value <= bound) entry.buckets[i]! += 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  count(labels: Labels): number {
    return this.series.get(keyOf(labels))?.count ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      this.bounds.forEach((bound, i) => {
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: formatNumber(bound) })} ${buckets[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${formatNumber(sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

/** A gauge whose samples are computed at scrape time (from the store, say). */
export function renderGauge(
  name: string,
  help: string,
  samples: { labels: Labels; value: number }[],
): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
  for (const { labels, value } of samples) lines.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
  return lines;
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    const metric = new Counter(name, help);
    this.metrics.push(metric);
    return metric;
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    const metric = new Histogram(name, help, bounds);
    this.metrics.push(metric);
    return metric;
  }

  render(): string[] {
    return this.metrics.flatMap((metric) => metric.render());
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One registry per process: the API and the worker share it when they run together. */
export const registry = new Registry();

export const metrics = {
  operationsStarted: registry.counter(
    'hindsight_operations_started_total',
    'Operations whose workflow began (joined its bank queue), by type.',
  ),
  operationsFinished: registry.counter(
    'hindsight_operations_finished_total',
    'Operations that reached a terminal state, by type and status.',
  ),
  itemsProcessed: registry.counter(
    'hindsight_items_processed_total',
    'Work items processed by chunk activities (documents, memories, entities), by operation type.',
  ),
  activityDuration: registry.histogram(
    'hindsight_activity_duration_seconds',
    'Duration of each activity attempt run by this process, by activity and outcome.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  ),
  webhookDeliveries: registry.counter(
    'hindsight_webhook_delivery_attempts_total',
    'Webhook delivery attempts made by this process, by outcome (delivered, failed).',
  ),
  // Model provider calls: what they cost and why they failed, by model.
  modelCalls: registry.counter(
    'hindsight_model_calls_total',
    'Model provider calls made by this process, by model and outcome (ok, invalid_answer, rate_limited, unavailable, rejected).',
  ),
  modelTokens: registry.counter(
    'hindsight_model_tokens_total',
    'Tokens the model provider reported for calls made by this process, by model and kind (prompt, completion).',
  ),
};

/** Which operation type a chunk activity's `processed` count belongs to. */
const ITEMS_OF: Record<string, string> = {
  retainChunk: 'batch_retain',
  graphChunk: 'graph_update',
  observationsChunk: 'regenerate_observations',
};

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * Wraps every activity so each attempt's duration is recorded, and reads the few results that carry
 * operation-level facts (an operation started, finished, or processed items).
 */
export function instrumentActivities<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const started = performance.now();
      let outcome = 'failed';
      try {
        const result = await fn(...args);
        outcome = 'completed';
        observeResult(name, args[0], result);
        return result;
      } finally {
        metrics.activityDuration.observe({ activity: name, outcome }, (performance.now() - started) / 1000);
      }
    };
  }
  return wrapped as T;
}

function observeResult(name: string, input: unknown, result: unknown): void {
  const type = ITEMS_OF[name];
  const processed = (result as { processed?: unknown } | undefined)?.processed;
  if (type && typeof processed === 'number' && processed > 0) metrics.itemsProcessed.inc({ type }, processed);
  if (name === 'joinBankQueue') {
    const entryType = (input as { entry?: { type?: unknown } } | undefined)?.entry?.type;
    if (typeof entryType === 'string') metrics.operationsStarted.inc({ type: entryType });
  }
  if (name === 'finishOperation') {
    const inputType = (input as { type?: unknown } | undefined)?.type;
    const status = (result as { status?: unknown } | undefined)?.status;
    if (typeof inputType === 'string' && typeof status === 'string') {
      metrics.operationsFinished.inc({ type: inputType, status });
    }
  }
}
