import type { Command } from 'commander';
import { HindsightClient, rawJson } from '../../clients/typescript/src/index.js';

export interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
  json?: boolean;
}

export interface CliContext {
  client: HindsightClient;
  json: boolean;
  /** Progress bars redrawn in place only make sense on a terminal. */
  tty: boolean;
  out(line?: string): void;
  err(line: string): void;
  /** Prints the server's own JSON for a client result (snake_case, as the API sent it). */
  printJson(result: object, pretty?: boolean): void;
  /** Aborted on Ctrl-C so streams close and the terminal is restored. */
  signal: AbortSignal;
}

export function contextFrom(command: Command, signal: AbortSignal): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const client = new HindsightClient({
    baseUrl: options.apiUrl,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return {
    client,
    json: options.json === true,
    tty: process.stdout.isTTY === true,
    out: (line = '') => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    printJson: (result, pretty = true) => {
      const raw = rawJson(result) ?? result;
      process.stdout.write(`${pretty ? JSON.stringify(raw, null, 2) : JSON.stringify(raw)}\n`);
    },
    signal,
  };
}
