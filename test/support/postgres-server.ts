import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url));

/**
 * A PostgreSQL server of a suite's own (the leg's shared server must stay up for the other suites), started
 * with the same script CI uses, on a fixed port so it comes back at the same address after a stop.
 */
export class PostgresServer {
  readonly url: string;
  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {
    this.url = `postgres://hindsight@127.0.0.1:${port}/hindsight`;
  }

  static async start(port: number): Promise<PostgresServer> {
    const server = new PostgresServer(mkdtempSync(join(tmpdir(), 'hindsight-pg-')), port);
    await server.restart();
    return server;
  }

  /** Starts the server again on its data directory (the first call also creates the cluster). */
  async restart(): Promise<void> {
    await run('bash', [script('start-postgres.sh'), this.dataDir, String(this.port)]);
  }

  async stop(): Promise<void> {
    await run('bash', [script('stop-postgres.sh'), this.dataDir]);
  }

  /** Stops the server if it runs and deletes its cluster. */
  async remove(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
