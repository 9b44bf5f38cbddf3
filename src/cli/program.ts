import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerOperations } from './commands/operations.js';
import { registerRetain } from './commands/retain.js';
import { registerRetry } from './commands/retry.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createProgram(signal: AbortSignal): Command {
  const program = new Command()
    .name('hindsight')
    .description('Command line for a Hindsight memory API: retain documents and manage background operations')
    .version(packageVersion())
    .addOption(
      new Option('--api-url <url>', 'Hindsight API base URL')
        .env('HINDSIGHT_API_URL')
        .default('http://localhost:8888'),
    )
    .addOption(new Option('--api-key <key>', 'API key sent as a bearer token').env('HINDSIGHT_API_KEY'))
    .option('--json', "print the server's JSON responses instead of text")
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true });

  registerRetain(program, signal);
  registerOperations(program, signal);
  registerRetry(program, signal);
  return program;
}
