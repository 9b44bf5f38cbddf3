import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publishedClientTable } from '../client/published-table.js';
import { runPython } from '../support/python.js';
import { startService, type TestService } from '../support/service.js';

// The published Python client, installed pinned (with its dependencies) into a folder of its own under
// .test-tools, as a user's pip would install it, and driven row by row from docs/API.md's table by
// published_client_suite.py against a live service over real HTTP.

const PUBLISHED = 'hindsight-client==1.1.0';
const target = fileURLToPath(new URL('../../.test-tools/published-python', import.meta.url));
const suite = fileURLToPath(new URL('./published_client_suite.py', import.meta.url));
const installer = fileURLToPath(new URL('../../scripts/install-test-tools.mjs', import.meta.url));

let svc: TestService;
beforeAll(async () => {
  execFileSync(process.execPath, [installer, 'published-python', PUBLISHED], { stdio: 'inherit' });
  svc = await startService({ worker: false });
}, 600_000);
afterAll(async () => {
  await svc?.stop();
});

it(`gives the published Python client ${PUBLISHED} what the table says for every method`, async () => {
  // Only the published package on the path: this repository's own client has the same module name.
  const env = {
    ...process.env,
    PYTHONPATH: target,
    PYTHONDONTWRITEBYTECODE: '1',
    HINDSIGHT_API_URL: svc.url,
  };
  const { code, output } = await runPython([suite], { env });
  if (code !== 0) console.error(output);
  expect(output).not.toMatch(/^FAIL /m);
  expect(code).toBe(0);
  // Every Python method whose row is not waiting for another branch was driven, none silently skipped.
  const expected = publishedClientTable()
    .filter((r) => r.python && !r.here.startsWith('served by ') && !r.python.includes('.'))
    .map((r) => r.python);
  const ok = new Set([...output.matchAll(/^ok (\S+)$/gm)].map((m) => m[1]));
  expect(expected.filter((m) => !ok.has(m!))).toEqual([]);
}, 600_000);
