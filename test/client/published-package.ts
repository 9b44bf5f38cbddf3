import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The published TypeScript client, pinned, as a user installs it. */
export const PUBLISHED = '@vectorize-io/hindsight-client@0.9.1';

/** Installs the published client into a project of its own (as `npm install` does for a user) and loads it. */
export async function installPublishedClient(): Promise<any> {
  const project = mkdtempSync(join(tmpdir(), 'published-ts-'));
  execFileSync('npm', ['init', '-y'], { cwd: project, stdio: 'ignore' });
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', PUBLISHED], {
    cwd: project,
    stdio: 'inherit',
  });
  const entry = join(project, 'node_modules/@vectorize-io/hindsight-client/dist/index.mjs');
  return import(pathToFileURL(entry).href);
}
