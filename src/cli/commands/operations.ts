import { type Command, Option } from 'commander';
import {
  OPERATION_STATUSES,
  OPERATION_TYPES,
  type Operation,
  type OperationStatus,
  type OperationType,
  snakeizeKeys,
} from '../../../clients/typescript/src/index.js';
import { contextFrom } from '../context.js';
import { fraction, operationBlock, plural, table, timestamp } from '../format.js';
import { collectMeta, parseInteger } from '../options.js';
import { exitCodeFor, watchAll, watchOne } from '../watch.js';
import { registerDeleteOperation } from './retry.js';

interface ListOptions {
  status?: OperationStatus;
  type?: OperationType;
  limit?: number;
  offset?: number;
  all?: boolean;
  meta?: Record<string, string>;
}

interface WatchOptions {
  all?: boolean;
  exitWhenIdle?: boolean;
  interval: number;
}

interface CancelOptions {
  allPending?: boolean;
}

function operationTable(operations: Operation[]): string {
  const rows = operations.map((op) => [
    op.operationId,
    op.type,
    op.status,
    fraction(op.progress, op.total),
    timestamp(op.createdAt),
  ]);
  return table(['ID', 'TYPE', 'STATUS', 'PROGRESS', 'CREATED'], rows);
}

export function registerOperations(program: Command, signal: AbortSignal): void {
  const operations = program
    .command('operations')
    .description('list, inspect, watch, cancel and delete background operations of a memory bank');
  registerDeleteOperation(operations, signal);

  operations
    .command('list')
    .description('list operations of a bank, newest first')
    .argument('<bank>', 'memory bank id')
    .addOption(new Option('--status <status>', 'only operations in this state').choices(OPERATION_STATUSES))
    .addOption(new Option('--type <type>', 'only operations of this type').choices(OPERATION_TYPES))
    .addOption(new Option('--limit <n>', 'page size (1-100, default 20)').argParser(parseInteger(1, 100)))
    .addOption(new Option('--offset <n>', 'skip this many').argParser(parseInteger(0, 100_000_000)))
    .addOption(
      new Option('--all', 'every matching operation, page after page').conflicts(['limit', 'offset']),
    )
    .option('--meta <key=value>', 'only operations with this label (repeatable: all must match)', collectMeta)
    .action(async (bank: string, options: ListOptions, command: Command) => {
      const ctx = contextFrom(command, signal);
      const { all, meta, ...rest } = options;
      const filter = { ...rest, ...(meta ? { metadata: meta } : {}) };
      if (all) {
        const every: Operation[] = [];
        for await (const op of ctx.client.iterateOperations({
          bankId: bank,
          ...filter,
          signal: ctx.signal,
        })) {
          every.push(op);
        }
        // As the server writes them, like every other --json answer.
        if (ctx.json) ctx.printJson(every.map(snakeizeKeys) as object);
        else {
          if (every.length > 0) ctx.out(operationTable(every));
          ctx.out(every.length > 0 ? plural(every.length, 'operation') : 'No operations.');
        }
        return;
      }
      const list = await ctx.client.listOperations({ bankId: bank, ...filter, signal: ctx.signal });
      if (ctx.json) {
        ctx.printJson(list);
        return;
      }
      if (list.length === 0) {
        ctx.out(list.total > 0 ? `No operations on this page.` : `No operations.`);
      } else {
        ctx.out(operationTable(list));
      }
      const range = list.offset > 0 && list.length > 0 ? ` (from #${list.offset + 1})` : '';
      ctx.out(`${list.length} of ${plural(list.total, 'operation')}${range}`);
    });

  operations
    .command('get')
    .description('show one operation')
    .argument('<bank>', 'memory bank id')
    .argument('<id>', 'operation id')
    .action(async (bank: string, id: string, _options: object, command: Command) => {
      const ctx = contextFrom(command, signal);
      const operation = await ctx.client.getOperation({ bankId: bank, operationId: id, signal: ctx.signal });
      if (ctx.json) ctx.printJson(operation);
      else ctx.out(operationBlock(operation));
    });

  operations
    .command('watch')
    .description('follow an operation (or with --all every active one) until it ends')
    .argument('<bank>', 'memory bank id')
    .argument('[id]', 'operation id')
    .option('--all', 'follow every pending and running operation of the bank, including new ones')
    .option('--exit-when-idle', 'with --all: exit at once (status 0) when no operation is pending or running')
    .addOption(
      new Option('--interval <ms>', 'poll interval when the server offers no event stream')
        .argParser(parseInteger(100, 600_000))
        .default(1000),
    )
    .addHelpText(
      'after',
      `
Exit status: 0 when the operation completed, 1 when it failed, 2 when it was cancelled.
With --all: 1 when any failed, else 2 when any was cancelled, else 0. With --all and nothing pending or
running, it waits for the next operation (Ctrl-C stops it) unless --exit-when-idle is given.`,
    )
    .action(async (bank: string, id: string | undefined, options: WatchOptions, command: Command) => {
      if (id && options.all) command.error('error: give an operation id or --all, not both');
      if (!id && !options.all)
        command.error('error: give an operation id, or --all for every active operation');
      const ctx = contextFrom(command, signal);
      if (options.all) {
        process.exitCode = await watchAll(ctx, bank, options.interval, options.exitWhenIdle === true);
        return;
      }
      const final = await watchOne(ctx, bank, id as string, options.interval);
      process.exitCode = exitCodeFor(final.status);
    });

  operations
    .command('cancel')
    .description('cancel an operation, or with --all-pending every pending one')
    .argument('<bank>', 'memory bank id')
    .argument('[id]', 'operation id')
    .option('--all-pending', 'cancel every pending operation of the bank')
    .action(async (bank: string, id: string | undefined, options: CancelOptions, command: Command) => {
      if (id && options.allPending) command.error('error: give an operation id or --all-pending, not both');
      if (!id && !options.allPending) {
        command.error('error: give an operation id, or --all-pending for every pending operation');
      }
      const ctx = contextFrom(command, signal);
      if (options.allPending) {
        const result = await ctx.client.cancelPendingOperations({ bankId: bank, signal: ctx.signal });
        if (ctx.json) {
          ctx.printJson(result);
          return;
        }
        ctx.out(`Cancelled ${plural(result.count, 'pending operation')} in bank ${bank}`);
        for (const operation of result.cancelled) ctx.out(`  ${operation.operationId}  ${operation.type}`);
        return;
      }
      const operation = await ctx.client.cancelOperation({
        bankId: bank,
        operationId: id as string,
        signal: ctx.signal,
      });
      if (ctx.json) ctx.printJson(operation);
      else if (operation.status === 'cancelled') {
        ctx.out(`Cancelled ${operation.operationId} at ${fraction(operation.progress, operation.total)}`);
      } else {
        ctx.out(
          `Cancellation requested for ${operation.operationId}; it is stopping (status: ${operation.status}).`,
        );
        ctx.out(`Follow it with: hindsight operations watch ${bank} ${operation.operationId}`);
      }
    });
}
