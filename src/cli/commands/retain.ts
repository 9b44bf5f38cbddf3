import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { PayloadTooLargeError, type RetainItem } from '../../../clients/typescript/src/index.js';
import { type CliContext, contextFrom } from '../context.js';
import { plural } from '../format.js';
import { expandFiles } from '../glob.js';
import { collectMeta, parseInteger } from '../options.js';
import { exitCodeFor, watchOne } from '../watch.js';

// The server's synchronous retain limits (docs/API.md); bigger batches go through an operation.
const SYNC_MAX_ITEMS = 100;
const SYNC_MAX_BYTES = 100 * 1024;

interface RetainOptions {
  files?: string[];
  async?: boolean;
  context?: string;
  meta?: Record<string, string>;
  interval: number;
}

export function registerRetain(program: Command, signal: AbortSignal): void {
  program
    .command('retain')
    .description('retain files into a memory bank, one document per file (document id = its path)')
    .argument('<bank>', 'memory bank id (created on first use)')
    // Checked in the action, after the bank: commander checks required options first, so a missing bank
    // would be reported as a missing --files.
    .option(
      '--files <paths...>',
      'required: files, directories or glob patterns (*, ?, [..], {a,b}, **); quote patterns to let hindsight expand them',
    )
    .option('--async', 'start a batch_retain operation, print its id and return at once')
    .option('--context <text>', 'context stored with every document')
    .option(
      '--meta <key=value>',
      'label the operation (repeatable); labelled retains always run as an operation',
      collectMeta,
    )
    .addOption(
      new Option('--interval <ms>', 'poll interval while waiting for a large batch')
        .argParser(parseInteger(100, 600_000))
        .default(1000),
    )
    .addHelpText(
      'after',
      `
Without --async, up to ${SYNC_MAX_ITEMS} files and ${SYNC_MAX_BYTES / 1024} KB are retained synchronously;
larger sets are submitted as an operation and followed with a progress bar until done.`,
    )
    .action(async (bank: string, options: RetainOptions, command: Command) => {
      if (!options.files) {
        command.error(`error: say what to retain: hindsight retain ${bank} --files <paths...>`);
      }
      const ctx = contextFrom(command, signal);
      process.exitCode = await retain(ctx, bank, options);
    });
}

async function retain(ctx: CliContext, bankId: string, options: RetainOptions): Promise<number> {
  const files = expandFiles(options.files ?? []);
  const contents: RetainItem[] = [];
  for (const file of files) {
    const content = readFileSync(file, 'utf8');
    if (content.trim() === '') {
      ctx.err(`warning: skipping empty file ${file}`);
      continue;
    }
    contents.push({
      content,
      documentId: file,
      ...(options.context === undefined ? {} : { context: options.context }),
    });
  }
  if (contents.length === 0) throw new Error('nothing to retain: every matched file is empty');

  const bytes = Buffer.byteLength(JSON.stringify({ items: contents }));
  // Labels belong to an operation, so a labelled retain is one even when small.
  const sync = !options.async && !options.meta;
  if (sync && contents.length <= SYNC_MAX_ITEMS && bytes <= SYNC_MAX_BYTES) {
    try {
      const result = await ctx.client.retainBatch({ bankId, contents, signal: ctx.signal });
      if (ctx.json) ctx.printJson(result);
      else {
        ctx.out(
          `Retained ${plural(contents.length, 'file')} into bank ${bankId}: ${plural(result.memoryIds.length, 'memory', 'memories')} created`,
        );
      }
      return 0;
    } catch (error) {
      // The server measures the request itself; when it disagrees with the estimate, go async.
      if (!(error instanceof PayloadTooLargeError)) throw error;
    }
  }

  const operation = await ctx.client.retainBatchAsync({
    bankId,
    contents,
    ...(options.meta ? { metadata: options.meta } : {}),
    signal: ctx.signal,
  });
  if (options.async) {
    if (ctx.json) ctx.printJson(operation);
    else {
      ctx.out(`Operation ID: ${operation.operationId}`);
      ctx.out(`Status: ${operation.status}`);
      ctx.out(`Retaining ${plural(contents.length, 'file')} into bank ${bankId}.`);
      ctx.out(`Watch it with: hindsight operations watch ${bankId} ${operation.operationId}`);
    }
    return 0;
  }

  if (!ctx.json && options.meta) {
    ctx.out(`Started operation ${operation.operationId}`);
  } else if (!ctx.json) {
    ctx.out(
      `${plural(contents.length, 'file')} (${Math.ceil(bytes / 1024)} KB) ${contents.length === 1 ? 'exceeds' : 'exceed'} the synchronous limit ` +
        `(${SYNC_MAX_ITEMS} items, ${SYNC_MAX_BYTES / 1024} KB): started operation ${operation.operationId}`,
    );
  }
  const final = await watchOne(ctx, bankId, operation.operationId, options.interval);
  if (!ctx.json && final.status === 'completed') {
    const created = final.result?.memoryIds?.length ?? final.result?.memoriesCount ?? 0;
    ctx.out(`Created ${plural(created, 'memory', 'memories')}`);
  }
  return exitCodeFor(final.status);
}
