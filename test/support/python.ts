import { fileURLToPath } from 'node:url';

/** Where `npm test` installs pytest and Schemathesis (scripts/install-test-tools.mjs). */
const TEST_TOOLS = fileURLToPath(new URL('../../.test-tools/python', import.meta.url));

/** The environment for a python3 that finds the suite's test tools before anything installed elsewhere. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = [TEST_TOOLS, process.env.PYTHONPATH].filter(Boolean).join(':');
  return { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}
