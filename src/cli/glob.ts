import { statSync } from 'node:fs';
import path from 'node:path';
import { escapePath, globSync, isDynamicPattern } from 'tinyglobby';

// --files takes what users type in shells (`*`, `?`, `[abc]`, `{a,b}`, `**`), through tinyglobby (fs.globSync
// only exists from Node 22). Names starting with a dot are only matched by a pattern that names the dot.

export class GlobError extends Error {
  override name = 'GlobError';
}

/** Expands patterns (or plain paths, as a shell that already expanded them passes) to files, in order, without duplicates. */
export function expandFiles(patterns: string[], cwd: string = process.cwd()): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    const matches = isDynamicPattern(pattern) ? expandPattern(pattern, cwd) : expandLiteral(pattern, cwd);
    if (matches.length === 0) throw new GlobError(`no files match ${pattern}`);
    for (const file of matches) files.add(file);
  }
  return [...files];
}

function expandLiteral(given: string, cwd: string): string[] {
  const normalized = toPosix(path.normalize(given));
  const stats = statOrUndefined(path.resolve(cwd, normalized));
  if (!stats) throw new GlobError(`no such file: ${given}`);
  // A directory stands for every file under it.
  if (stats.isDirectory()) return expandPattern(`${escapePath(normalized)}/**/*`, cwd);
  return [normalized];
}

function expandPattern(pattern: string, cwd: string): string[] {
  const absolute = path.isAbsolute(pattern);
  return globSync(pattern, { cwd, absolute, onlyFiles: true, expandDirectories: false }).sort();
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
