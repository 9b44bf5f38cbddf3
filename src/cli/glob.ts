import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// fs.globSync only exists from Node 22; this covers what users type for --files:
// `*`, `?`, `[abc]`/`[!abc]`, `{a,b}` and `**` (any depth). Names starting with a dot are only
// matched by a pattern segment that starts with a dot, like shells do.

export class GlobError extends Error {
  override name = 'GlobError';
}

const MAGIC = /[*?[{]/;

/** Expands patterns (or plain paths, as a shell that already expanded them passes) to files, in order, without duplicates. */
export function expandFiles(patterns: string[], cwd: string = process.cwd()): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const pattern of patterns) {
    const matches = MAGIC.test(pattern) ? expandPattern(pattern, cwd) : expandLiteral(pattern, cwd);
    if (matches.length === 0) throw new GlobError(`no files match ${pattern}`);
    for (const file of matches) {
      if (seen.has(file)) continue;
      seen.add(file);
      files.push(file);
    }
  }
  return files;
}

function expandLiteral(given: string, cwd: string): string[] {
  const normalized = toPosix(path.normalize(given));
  const stats = statOrUndefined(path.resolve(cwd, normalized));
  if (!stats) throw new GlobError(`no such file: ${given}`);
  if (stats.isDirectory()) return walk(normalized, cwd, ['**', '*']);
  return [normalized];
}

function expandPattern(pattern: string, cwd: string): string[] {
  const results: string[] = [];
  for (const alternative of expandBraces(pattern)) {
    const normalized = toPosix(path.normalize(alternative));
    const absolute = normalized.startsWith('/');
    const segments = normalized.split('/').filter((part) => part !== '');
    // The part without magic characters is a directory to start from, kept as the user wrote it.
    const firstMagic = segments.findIndex((part) => MAGIC.test(part));
    const base = segments.slice(0, firstMagic);
    const start = (absolute ? '/' : '') + base.join('/');
    results.push(...walk(start, cwd, segments.slice(firstMagic)));
  }
  return results.sort();
}

function walk(start: string, cwd: string, segments: string[]): string[] {
  const out: string[] = [];
  const visit = (dir: string, rest: string[]): void => {
    const [head, ...tail] = rest;
    if (head === undefined) return;
    if (head === '**') {
      visit(dir, tail);
      for (const entry of listDir(dir, cwd)) {
        if (entry.isDirectory && !entry.name.startsWith('.')) visit(entry.path, rest);
      }
      return;
    }
    const matcher = segmentMatcher(head);
    for (const entry of listDir(dir, cwd)) {
      if (entry.name.startsWith('.') && !head.startsWith('.')) continue;
      if (!matcher(entry.name)) continue;
      if (tail.length === 0) {
        if (entry.isFile) out.push(entry.path);
      } else if (entry.isDirectory) {
        visit(entry.path, tail);
      }
    }
  };
  visit(start, segments);
  return out.sort();
}

interface DirEntry {
  name: string;
  path: string;
  isFile: boolean;
  isDirectory: boolean;
}

function listDir(dir: string, cwd: string): DirEntry[] {
  let names: string[];
  try {
    names = readdirSync(path.resolve(cwd, dir || '.'));
  } catch {
    return [];
  }
  return names.map((name) => {
    const relative = dir === '' ? name : dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
    // stat (not lstat) so symlinked files and directories count as what they point to.
    const stats = statOrUndefined(path.resolve(cwd, relative));
    return {
      name,
      path: relative,
      isFile: stats?.isFile() ?? false,
      isDirectory: stats?.isDirectory() ?? false,
    };
  });
}

function segmentMatcher(segment: string): (name: string) => boolean {
  if (!MAGIC.test(segment)) return (name) => name === segment;
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string;
    if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else {
      source += char.replace(/[.+^${}()|\\/]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/** `a/{b,c}/*.{md,txt}` → four patterns; nested braces work, a brace without a comma stays literal. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '{') depth++;
    else if (char === '}') depth--;
    else if (char === ',' && depth === 1) commas.push(i);
    if (depth === 0) {
      const prefix = pattern.slice(0, open);
      const suffix = pattern.slice(i + 1);
      if (commas.length === 0) {
        return expandBraces(suffix).map((rest) => `${prefix}${pattern.slice(open, i + 1)}${rest}`);
      }
      const bounds = [open, ...commas, i];
      const options = bounds.slice(0, -1).map((start, index) => pattern.slice(start + 1, bounds[index + 1]));
      return options.flatMap((option) => expandBraces(`${prefix}${option}${suffix}`));
    }
  }
  return [pattern];
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
