import type { Command } from 'commander';
import { contextFrom } from '../context.js';
import { plural } from '../format.js';

/** `hindsight retry` and `hindsight operations delete`: the operations extras of Hindsight 1.1.0. */
export function registerRetry(program: Command, signal: AbortSignal): void {
  program
    .command('retry')
    .description('retain again, as a new operation, the items an ended batch retain failed on')
    .argument('<bank>', 'memory bank id')
    .argument('<id>', 'the batch retain operation whose failed items to retry')
    .action(async (bank: string, id: string, _options: object, command: Command) => {
      const ctx = contextFrom(command, signal);
      const operation = await ctx.client.retryOperation({
        bankId: bank,
        operationId: id,
        signal: ctx.signal,
      });
      if (ctx.json) {
        ctx.printJson(operation);
        return;
      }
      ctx.out(
        `Retrying ${plural(operation.total ?? 0, 'failed item')} of ${id} as operation ${operation.operationId}`,
      );
      ctx.out(`Follow it with: hindsight operations watch ${bank} ${operation.operationId}`);
    });
}

export function registerDeleteOperation(operations: Command, signal: AbortSignal): void {
  operations
    .command('delete')
    .description("delete an ended operation's record (the memories it wrote stay)")
    .argument('<bank>', 'memory bank id')
    .argument('<id>', 'operation id')
    .action(async (bank: string, id: string, _options: object, command: Command) => {
      const ctx = contextFrom(command, signal);
      const answer = await ctx.client.deleteOperation({ bankId: bank, operationId: id, signal: ctx.signal });
      if (ctx.json) ctx.printJson(answer);
      else ctx.out(`Deleted the record of operation ${answer.operationId}`);
    });
}
