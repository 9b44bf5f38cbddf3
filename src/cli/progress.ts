import type { Operation } from '../client/index.js';
import { duration, fraction, percent } from './format.js';

/** Items per second over the last few seconds, so the ETA follows the current pace. */
export class RateTracker {
  private samples: { at: number; progress: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  add(progress: number, at: number = Date.now()): void {
    const last = this.samples.at(-1);
    if (last && progress < last.progress) this.samples = [];
    this.samples.push({ at, progress });
    while (this.samples.length > 2 && at - (this.samples[0]?.at ?? at) > this.windowMs) this.samples.shift();
  }

  /** undefined until two samples some time apart exist. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 200) return undefined;
    return (last.progress - first.progress) / ((last.at - first.at) / 1000);
  }

  etaMs(progress: number, total: number | null): number | undefined {
    const rate = this.rate();
    if (!total || !rate || rate <= 0) return undefined;
    return (Math.max(0, total - progress) / rate) * 1000;
  }
}

export function renderBar(progress: number, total: number | null, width: number, complete = false): string {
  if (complete) return `[${'█'.repeat(width)}]`;
  if (!total) return `[${'░'.repeat(width)}]`;
  const filled = Math.min(width, Math.round((progress / total) * width));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export interface ProgressLineOptions {
  /** Draw a bar (TTY output); plain lines otherwise. */
  bar: boolean;
  /** Prefix the operation id, for views with several operations. */
  showId: boolean;
}

export function progressLine(
  operation: Operation,
  tracker: RateTracker,
  options: ProgressLineOptions,
): string {
  const pct = percent(operation.progress, operation.total);
  const parts: string[] = [];
  if (options.showId) parts.push(operation.operationId);
  if (options.bar)
    parts.push(renderBar(operation.progress, operation.total, 30, operation.status === 'completed'));
  parts.push(fraction(operation.progress, operation.total));
  if (pct !== undefined) parts.push(`${pct}%`);
  if (operation.status === 'running') {
    const rate = tracker.rate();
    if (rate !== undefined) parts.push(`${rate.toFixed(1)} items/s`);
    const eta = tracker.etaMs(operation.progress, operation.total);
    if (eta !== undefined) parts.push(`ETA ${duration(eta)}`);
  }
  parts.push(operation.status);
  return parts.join('  ');
}

/**
 * A block of lines at the bottom of a terminal that is redrawn in place: the cursor goes back to
 * the block's first line (carriage return, cursor up) and every line is cleared and rewritten.
 */
export class LiveArea {
  private drawn = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  render(lines: string[]): void {
    const width = Math.max(20, (this.stream.columns || 100) - 1);
    // A line wider than the terminal wraps and would break the cursor-up arithmetic.
    const fitted = lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
    let output = '\r';
    if (this.drawn > 1) output += `\x1b[${this.drawn - 1}A`;
    output += fitted.map((line) => `\x1b[2K${line}`).join('\n');
    if (this.drawn === 0) output = `\x1b[?25l${output}`;
    // Lines left over from a taller previous frame are cleared.
    for (let extra = fitted.length; extra < this.drawn; extra++) output += '\n\x1b[2K';
    if (this.drawn > fitted.length) output += `\x1b[${this.drawn - fitted.length}A`;
    this.stream.write(output);
    this.drawn = Math.max(fitted.length, 1);
  }

  /** Leaves the last frame on screen and moves below it. */
  done(): void {
    if (this.drawn > 0) this.stream.write('\n');
    this.stream.write('\x1b[?25h');
    this.drawn = 0;
  }
}
