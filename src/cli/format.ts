import type { Operation, OperationResult } from '../../clients/typescript/src/index.js';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * A line no wider than `width`: cut at the last space that fits, with an ellipsis, never inside a word
 * (only a single word longer than the line, such as a long id, is cut where the line ends).
 */
export function fitToWidth(line: string, width: number): string {
  if (line.length <= width) return line;
  const room = Math.max(1, width - 1); // for the ellipsis
  const space = line.lastIndexOf(' ', room);
  const cut = space > 0 ? line.slice(0, space).trimEnd() : line.slice(0, room);
  return `${cut}…`;
}

/** A total of 0 under a non-zero progress means the total was never learnt: show it as unknown. */
export function fraction(progress: number, total: number | null): string {
  const known = total !== null && (total > 0 || progress === 0);
  return `${progress}/${known ? total : '?'}`;
}

export function percent(progress: number, total: number | null): number | undefined {
  if (!total) return undefined;
  return Math.min(100, Math.floor((progress / total) * 100));
}

/** Second precision is all a reader needs; the server's millisecond digits only add noise. */
export function timestamp(value: string | null): string {
  if (!value) return '-';
  return value.replace(/\.\d+(?=Z|[+-]\d\d:?\d\d$)/, '');
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

export function summarizeResult(operation: Operation): string | undefined {
  const result: OperationResult | null = operation.result;
  if (!result) return undefined;
  const parts: string[] = [];
  if (operation.type === 'batch_retain') {
    if (result.itemsCount !== undefined) parts.push(plural(result.itemsCount, 'item'));
    const memories = result.memoriesCount ?? result.memoryIds?.length;
    if (memories !== undefined) parts.push(plural(memories, 'memory', 'memories'));
    if (result.entitiesCount !== undefined) parts.push(plural(result.entitiesCount, 'entity', 'entities'));
    parts.push(`${result.failedItems?.length ?? 0} failed`);
  } else if (operation.type === 'graph_update') {
    if (result.memoriesProcessed !== undefined) parts.push(`${result.memoriesProcessed} memories processed`);
    if (result.linksCreated !== undefined) parts.push(`${plural(result.linksCreated, 'link')} created`);
  } else if (operation.type === 'regenerate_observations') {
    if (result.entitiesProcessed !== undefined) parts.push(`${result.entitiesProcessed} entities processed`);
    if (result.observationsUpdated !== undefined) {
      parts.push(`${plural(result.observationsUpdated, 'observation')} updated`);
    }
  }
  if (parts.length === 0) return JSON.stringify(result);
  return parts.join(', ');
}

export function operationBlock(operation: Operation): string {
  const rows: [string, string][] = [
    ['Operation', operation.operationId],
    ['Bank', operation.bankId],
    ['Type', operation.type],
    ['Status', operation.status],
    ['Progress', progressText(operation)],
    ['Created', timestamp(operation.createdAt)],
    ['Started', timestamp(operation.startedAt)],
    ['Completed', timestamp(operation.completedAt)],
  ];
  if (operation.startedAt) {
    const end = operation.completedAt ? Date.parse(operation.completedAt) : Date.now();
    rows.push([
      operation.completedAt ? 'Duration' : 'Running for',
      duration(end - Date.parse(operation.startedAt)),
    ]);
  }
  rows.push(['Error', operation.error ?? '-']);
  rows.push(['Result', summarizeResult(operation) ?? '-']);
  const labels = Object.entries(operation.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (labels.length > 0) rows.push(['Metadata', labels.map(([key, value]) => `${key}=${value}`).join(', ')]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`);
  const failed = operation.result?.failedItems ?? [];
  if (failed.length > 0) {
    lines.push('Failed items:');
    for (const item of failed.slice(0, 10)) lines.push(`  #${item.index}: ${item.reason}`);
    if (failed.length > 10) lines.push(`  … and ${failed.length - 10} more`);
  }
  return lines.join('\n');
}

export function progressText(operation: Operation): string {
  const pct = percent(operation.progress, operation.total);
  return `${fraction(operation.progress, operation.total)}${pct === undefined ? '' : ` (${pct}%)`}`;
}
