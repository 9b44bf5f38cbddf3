import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_TYPES } from '../../workflows/definitions.js';
import * as workflows from '../../workflows/index.js';
import { ROOT, relative, sourceFiles } from './source-files.js';

// The rooms of the house and the direction of their doors (docs/ARCHITECTURE.md draws them): no file reaches
// back into a file that depends on it, not even through `import type`, so a reader can follow any import
// downwards and never come back to where they started.

const ROOMS = ['src', 'workflows', 'activities'];

interface Edge {
  /** Repository-relative path of the imported file, or the bare package name. */
  target: string;
  typeOnly: boolean;
}

/** `./x.js` names `./x.ts` in this code base (NodeNext resolution); a folder names its index. */
function resolve(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((element) => element.isTypeOnly)
  );
}

/** Every module a file names: static imports and re-exports, `import type`, `import('x')` calls and types. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith('.')) {
      edges.push({ target: specifier, typeOnly });
      return;
    }
    const target = resolve(file, specifier);
    if (target) edges.push({ target: relative(target), typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, isTypeOnlyExport(node));
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const files = ROOMS.flatMap((room) => sourceFiles(path.join(ROOT, room)))
  .map(relative)
  .sort();
const graph = new Map(files.map((file) => [file, importsOf(path.join(ROOT, file))]));
const internal = (file: string) => (graph.get(file) ?? []).filter((edge) => graph.has(edge.target));

/** Every strongly connected group of files (Tarjan): its size and one circle through it. */
function circles(): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[] = [];
  let next = 0;
  const connect = (file: string) => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const { target } of internal(file)) {
      if (!index.has(target)) {
        connect(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
      if (member === file) break;
    }
    const selfImport = internal(file).some((edge) => edge.target === file);
    if (group.length > 1 || selfImport) {
      const circle = circleThrough(new Set(group), group.sort()[0]!).join(' → ');
      found.push(`${group.length} files import each other (${group.join(', ')}); one circle: ${circle}`);
    }
  };
  for (const file of files) if (!index.has(file)) connect(file);
  return found;
}

/** The shortest path from `start` back to itself inside its group, for a message a reader can follow. */
function circleThrough(group: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const { target } of internal(file)) {
      if (!group.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** `from → to` for each import of a file in `room` that breaks `allowed`. */
function violations(room: string, allowed: (edge: Edge, file: string) => boolean): string[] {
  return files
    .filter((file) => file.startsWith(`${room}/`))
    .flatMap((file) =>
      graph
        .get(file)!
        .filter((edge) => !allowed(edge, file))
        .map((edge) => `${file} → ${edge.target}${edge.typeOnly ? ' (type)' : ''}`),
    );
}

describe('the import graph of src/, workflows/ and activities/', () => {
  it('reads the files it guards', () => {
    expect(files).toContain('activities/index.ts');
    expect(files).toContain('workflows/index.ts');
    expect(files).toContain('src/main.ts');
    expect(internal('workflows/activities.ts').map((edge) => edge.target)).toContain('activities/index.ts');
  });

  it('has no circle, counting type-only imports', () => {
    const found = circles();
    expect(found, `import circles:\n${found.join('\n')}`).toEqual([]);
  });

  it('keeps activities/ below the API and the operations service, and out of workflow bodies', () => {
    const found = violations('activities', ({ target }) => {
      if (target.startsWith('src/api/')) return false;
      if (target === 'src/operations/service.ts') return false;
      if (target.startsWith('workflows/')) return target === 'workflows/definitions.ts';
      return true;
    });
    expect(found, `activities/ imports what it must not:\n${found.join('\n')}`).toEqual([]);
  });

  it('lets workflows/ import only workflows/, the workflow SDK and the types of activities', () => {
    const found = violations('workflows', ({ target, typeOnly }, file) => {
      if (target.startsWith('workflows/')) return true;
      if (target === '@temporalio/workflow') return true;
      // Search attribute keys come from the SDK's shared package; it is part of every workflow bundle.
      if (target === '@temporalio/common') return true;
      // The SDK's OpenTelemetry workflow interceptors are bundled with this module, which reads their span.
      if (target === '@opentelemetry/api') return file === 'workflows/tracing-interceptors.ts';
      if (target.startsWith('activities/')) return typeOnly;
      return false;
    });
    expect(found, `workflows/ imports what it must not:\n${found.join('\n')}`).toEqual([]);
  });

  it('starts every workflow by a name that workflows/index.ts exports', () => {
    const exported = workflows as Record<string, unknown>;
    for (const name of Object.values(WORKFLOW_TYPES)) expect(typeof exported[name], name).toBe('function');
    const named = new Set<string>(Object.values(WORKFLOW_TYPES));
    expect(Object.keys(exported).filter((name) => !named.has(name))).toEqual([]);
  });
});
