import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedBundle, workflowBundleKey } from '../../src/temporal/bundle-cache.js';
import { WORKFLOWS_PATH } from '../../src/temporal/worker.js';

const dir = mkdtempSync(join(tmpdir(), 'hindsight-bundle-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the workflow bundle cache', () => {
  it('bundles once per version of the workflow code', async () => {
    const workflows = join(dir, 'workflows');
    cpSync(dirname(WORKFLOWS_PATH), workflows, { recursive: true });
    const cache = join(dir, 'cache');
    let bundled = 0;
    const bundle = async () => ({ code: `bundle ${++bundled}` });

    expect((await cachedBundle(workflows, cache, bundle)).code).toBe('bundle 1');
    expect((await cachedBundle(workflows, cache, bundle)).code).toBe('bundle 1');

    const keyBefore = workflowBundleKey(workflows);
    writeFileSync(join(workflows, 'bank-queue.ts'), '// a change to one workflow file\n', { flag: 'a' });
    expect(workflowBundleKey(workflows)).not.toBe(keyBefore);
    expect((await cachedBundle(workflows, cache, bundle)).code).toBe('bundle 2');
  });
});
