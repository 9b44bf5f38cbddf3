#!/usr/bin/env node
// The Python tools the test suite drives (pytest for the Python client's suite, Schemathesis for the API
// fuzzing), installed once into .test-tools/python so that `npm test` works on a machine that has only
// Python and pip, and touches no Python environment of the user's. The suites put it on PYTHONPATH.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON_TEST_TOOLS = ['pytest==8.4.2', 'schemathesis==4.32.5'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.test-tools', 'python');
const marker = join(target, `.installed ${PYTHON_TEST_TOOLS.join(' ')}`);

if (!existsSync(marker)) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  console.log(`installing ${PYTHON_TEST_TOOLS.join(', ')} into .test-tools/python`);
  execFileSync(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--target',
      target,
      ...PYTHON_TEST_TOOLS,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(marker, '');
}
