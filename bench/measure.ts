import { readdirSync, readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Nearest-rank percentile of the samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}

/** Wall time of `fn` in milliseconds, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds a process and all its descendants (a wrapper shell and the server it started) have used. */
export function treeCpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const cpu = cpuSeconds(next);
    if (!Number.isNaN(cpu)) total += cpu;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Resident memory of a process in MB, from /proc/<pid>/status (VmRSS); NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a reading (MB) every `everyMs`; `between` reads start, peak and end of a time window. */
export class Sampler {
  private readonly samples: { at: number; mb: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly read: () => number,
    everyMs = 250,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample() {
    const mb = this.read();
    if (!Number.isNaN(mb)) this.samples.push({ at: Date.now(), mb });
  }

  /** Takes a sample now, so a window's edges are exact. */
  mark(): number {
    this.sample();
    return Date.now();
  }

  between(from: number, to: number): { start: number; peak: number; end: number } {
    const inside = this.samples.filter((s) => s.at >= from && s.at <= to);
    if (inside.length === 0) return { start: Number.NaN, peak: Number.NaN, end: Number.NaN };
    return {
      start: inside[0]!.mb,
      peak: Math.max(...inside.map((s) => s.mb)),
      end: inside[inside.length - 1]!.mb,
    };
  }

  stop() {
    clearInterval(this.timer);
  }
}

/** A process's RSS, every 250 ms. */
export const rssSampler = (pid: number) => new Sampler(() => rssMb(pid));

export const fmt = {
  ms: (ms: number) =>
    Number.isNaN(ms) ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`,
  s: (ms: number) => `${(ms / 1000).toFixed(1)} s`,
  ratio: (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–'),
  mb: (mb: number) => (Number.isNaN(mb) ? '–' : `${Math.round(mb)} MB`),
  rate: (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–'),
};

/** A Markdown table (which also reads well in a terminal). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Proportional memory (MB) of a process tree, from /proc/<pid>/smaps_rollup: shared pages count once across
 * the tree, so a PostgreSQL server's shared buffers are not added up per backend. NaN once it is gone.
 */
export function treePssMb(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${next}/smaps_rollup`, 'utf8'));
      if (match) total += Number(match[1]) / 1024;
    } catch {
      if (next === pid) return Number.NaN;
    }
    pending.push(...childrenOf(next));
  }
  return total;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
