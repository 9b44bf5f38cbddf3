import cliProgress, { type SingleBar } from 'cli-progress';
import type { Operation } from '../../clients/typescript/src/index.js';
import { duration, fitToWidth, fraction, percent } from './format.js';

const BAR_WIDTH = 30;

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

export interface ProgressLineOptions {
  /** The drawn bar (TTY output); plain lines without one. */
  bar?: string;
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
  if (options.bar !== undefined) parts.push(`[${options.bar}]`);
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
 * An operation's line for a terminal `columns` wide: with its bar when the bar, the numbers and the status fit,
 * else without the bar; what follows (`suffix`) is cut at a word when it does not fit. cli-progress turns the
 * terminal's line wrapping off, so a longer line would be cut at the last column, mid-word. One column is left
 * free, as some terminals wrap a line that fills the last one. Of a terminal that reports no width (0), nothing
 * is cut.
 */
export function barLine(
  withBar: string,
  withoutBar: string,
  suffix: string,
  columns: number | undefined,
): string {
  if (!columns) return withBar + suffix;
  const width = Math.max(10, columns - 1);
  for (const core of [withBar, withoutBar]) {
    if (core.length < width) return fitToWidth(core + suffix, width);
  }
  return fitToWidth(withoutBar + suffix, width);
}

/** Share of the bar to fill: all of it once completed, none while the total is unknown. */
const filled = (operation: Operation) =>
  operation.status === 'completed'
    ? 1
    : operation.total
      ? Math.min(1, operation.progress / operation.total)
      : 0;

interface BarPayload {
  operation: Operation;
  tracker: RateTracker;
  suffix: string;
}

/**
 * Progress bars redrawn in place at the bottom of a terminal (cli-progress): one line per operation, and
 * optionally a line of text. cli-progress draws and clips the lines and hides the cursor; the rate and ETA come
 * from RateTracker, which follows the pace of the last seconds (cli-progress shows no rate).
 */
export class LiveBars {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, SingleBar>();
  private footer: SingleBar | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly showId: boolean,
  ) {
    this.multi = new cliProgress.MultiBar({
      stream,
      barsize: BAR_WIDTH,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      linewrap: false,
      clearOnComplete: false,
      format: (options, params, payload: BarPayload) =>
        barLine(
          progressLine(payload.operation, payload.tracker, {
            bar: cliProgress.Format.BarFormat(params.progress, options),
            showId: this.showId,
          }),
          progressLine(payload.operation, payload.tracker, { showId: this.showId }),
          payload.suffix,
          stream.columns,
        ),
    });
  }

  /** Draws (or redraws) an operation's line; `suffix` follows the line. */
  show(operation: Operation, tracker: RateTracker, suffix = ''): void {
    const payload: BarPayload = { operation, tracker, suffix };
    const bar = this.bars.get(operation.operationId);
    if (bar) bar.update(filled(operation), payload);
    else this.bars.set(operation.operationId, this.multi.create(1, filled(operation), payload));
  }

  /** A line of text above the bars (the first call places it). */
  note(text: string): void {
    if (this.footer) this.footer.update(0, { text });
    else {
      const format = (_o: unknown, _p: unknown, payload: { text: string }) => {
        const columns = this.stream.columns;
        return columns ? fitToWidth(payload.text, Math.max(10, columns - 1)) : payload.text;
      };
      this.footer = this.multi.create(1, 0, { text }, { format });
    }
  }

  /** Draws the last frame, leaves it on screen and shows the cursor again. */
  done(): void {
    this.multi.stop();
  }
}
