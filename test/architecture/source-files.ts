import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, which the architecture checks name files from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = /\.(ts|mts|js|mjs)$/;

/** Every source file below `dir` (declaration files apart), as absolute paths. */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...sourceFiles(full));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** A file's repository-relative path with forward slashes, as the checks report it. */
export const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
