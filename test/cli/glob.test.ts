import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandFiles } from '../../src/cli/glob.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'hindsight-glob-'));
  for (const file of [
    'docs/a.md',
    'docs/b.md',
    'docs/c.txt',
    'docs/.hidden.md',
    'docs/sub/d.md',
    'docs/sub/deep/e.md',
  ]) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), file);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('expandFiles', () => {
  it('expands *, ?, [..], {a,b} and ** relative to the working directory', () => {
    expect(expandFiles(['docs/*.md'], root)).toEqual(['docs/a.md', 'docs/b.md']);
    expect(expandFiles(['docs/?.txt'], root)).toEqual(['docs/c.txt']);
    expect(expandFiles(['docs/[!a].md'], root)).toEqual(['docs/b.md']);
    expect(expandFiles(['docs/*.{md,txt}'], root)).toEqual(['docs/a.md', 'docs/b.md', 'docs/c.txt']);
    expect(expandFiles(['docs/**/*.md'], root)).toEqual([
      'docs/a.md',
      'docs/b.md',
      'docs/sub/d.md',
      'docs/sub/deep/e.md',
    ]);
  });

  it('takes paths a shell already expanded as they are, without duplicates', () => {
    expect(expandFiles(['docs/b.md', './docs/a.md', 'docs/*.md'], root)).toEqual(['docs/b.md', 'docs/a.md']);
  });

  it('matches dotfiles only when asked and takes a directory as all its files', () => {
    expect(expandFiles(['docs/.*.md'], root)).toEqual(['docs/.hidden.md']);
    expect(expandFiles(['docs/sub'], root)).toEqual(['docs/sub/d.md', 'docs/sub/deep/e.md']);
  });

  it('works with absolute patterns', () => {
    expect(expandFiles([`${root}/docs/*.txt`], root)).toEqual([`${root}/docs/c.txt`]);
  });

  it('reports patterns and paths that match nothing', () => {
    expect(() => expandFiles(['docs/*.pdf'], root)).toThrow('no files match docs/*.pdf');
    expect(() => expandFiles(['docs/missing.md'], root)).toThrow('no such file: docs/missing.md');
  });
});
