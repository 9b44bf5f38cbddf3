import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where `npm test` installs pytest and Schemathesis (scripts/install-test-tools.mjs). */
const TEST_TOOLS = fileURLToPath(new URL('../../.test-tools/python', import.meta.url));

/** The environment for a python3 that finds the suite's test tools before anything installed elsewhere. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const path = [TEST_TOOLS, process.env.PYTHONPATH].filter(Boolean).join(':');
  return { ...process.env, PYTHONPATH: path, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** Runs python3 to its end and gives its exit code with stdout and stderr interleaved as they came. */
export function runPython(
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', args, options);
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('close', (code) => resolve({ code, output }));
  });
}
