import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const sdkVersion = (
  createRequire(import.meta.url)('@temporalio/workflow/package.json') as { version: string }
).version;

/**
 * What the workflow bundle is made of: every source file under the workflows directory (they import nothing
 * else but the SDK and erased types) and the SDK's version. Same key, same bundle.
 */
export function workflowBundleKey(workflowsDir: string): string {
  const hash = createHash('sha256').update(`sdk ${sdkVersion}\n`);
  for (const name of readdirSync(workflowsDir).sort()) {
    hash.update(`${name}\n`).update(readFileSync(join(workflowsDir, name)));
  }
  return hash.digest('hex').slice(0, 24);
}

/**
 * Bundling the workflows with webpack takes seconds (tens on a busy machine) and would stand between a restart
 * and a healthy service: the bundle is kept on disk under its key and reused until the code changes. A cache
 * that cannot be read or written only costs the bundling.
 */
export async function cachedBundle(
  workflowsDir: string,
  cacheDir: string,
  bundle: () => Promise<{ code: string }>,
): Promise<{ code: string }> {
  const file = join(cacheDir, `workflow-bundle-${workflowBundleKey(workflowsDir)}.js`);
  try {
    return { code: readFileSync(file, 'utf8') };
  } catch {
    // not bundled yet
  }
  const fresh = await bundle();
  try {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, fresh.code);
    renameSync(partial, file); // whole or not at all, even with several processes starting at once
  } catch {
    // a read-only install: bundle every time
  }
  return fresh;
}
