import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pythonEnv, runPython } from '../support/python.js';
import { startService, type TestService } from '../support/service.js';

const clientDir = fileURLToPath(new URL('../../clients/python', import.meta.url));

let svc: TestService;
beforeAll(async () => {
  // The Python suite's webhook test listens on loopback, which the service refuses unless told otherwise.
  svc = await startService({
    env: { HINDSIGHT_WEBHOOK_ALLOW_PRIVATE: 'true', HINDSIGHT_WEBHOOK_RETRY_INITIAL_MS: '200' },
  });
});
afterAll(async () => {
  await svc?.stop();
});

/** The Python client's own pytest suite (every Python example of the seed document) against the real service. */
it('passes the Python client suite against the running service', async () => {
  const { code, output } = await runPython(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
    cwd: clientDir,
    env: pythonEnv({ HINDSIGHT_API_URL: svc.url }),
  });
  if (code !== 0) console.error(output);
  expect(output).toMatch(/\d+ passed/);
  expect(output).not.toMatch(/failed|error/i);
  expect(code).toBe(0);
}, 600_000);
