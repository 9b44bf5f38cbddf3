#!/usr/bin/env node
// Python packages the test suite drives, each set installed once into a folder of its own under .test-tools,
// so that `npm test` works on a machine that has only Python and pip, and touches no Python environment of
// the user's. The suites put the folder on PYTHONPATH.
//
//   node scripts/install-test-tools.mjs                     pytest and Schemathesis into .test-tools/python
//   node scripts/install-test-tools.mjs <folder> <pkg==v>…  those packages into .test-tools/<folder>
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON_TEST_TOOLS = ['pytest==8.4.2', 'schemathesis==4.32.5'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const [folder = 'python', ...named] = process.argv.slice(2);
const packages = named.length ? named : PYTHON_TEST_TOOLS;
const target = join(root, '.test-tools', folder);
// The marker names the pinned set: a changed pin installs the folder afresh.
const marker = join(target, `.installed ${packages.join(' ')}`);

if (!existsSync(marker)) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  console.log(`installing ${packages.join(', ')} into .test-tools/${folder}`);
  execFileSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, ...packages],
    { stdio: 'inherit' },
  );
  writeFileSync(marker, '');
}
