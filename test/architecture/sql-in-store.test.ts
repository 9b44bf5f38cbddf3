import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, relative, sourceFiles } from './source-files.js';

// docs/ARCHITECTURE.md: src/store/ holds all SQL, behind named functions. Everything else (routes,
// activities, the worker, the CLI) calls those functions, so a change to a table is a change in one room.

const ROOMS = ['src', 'activities', 'workflows', 'bin', 'scripts'];
const STORE = 'src/store/';
/**
 * A string that opens like a statement: what a query passes to the database. Keywords are matched in upper
 * case, as the house writes SQL, so that sentences such as "Update a bank's profile" in docs are not taken
 * for statements.
 */
const STATEMENT =
  /^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s*\(|CREATE\s|ALTER\s|DROP\s|VACUUM\b|BEGIN\b|COMMIT\b)/;

/** Where a file outside the store speaks SQL: it imports the driver or holds a statement's text. */
function sqlOutsideStore(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) =>
    `${relative(file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === 'pg'
    ) {
      found.push(`${at(node)} imports the PostgreSQL driver`);
    }
    const literal =
      ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;
    const template = ts.isTemplateExpression(node) ? node.head.text : undefined;
    const statement = literal ?? template;
    if (statement !== undefined && STATEMENT.test(statement)) {
      found.push(`${at(node)} holds the statement "${statement.trim().split('\n')[0]}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('SQL lives in src/store/', () => {
  it('no file outside src/store/ imports the driver or holds a statement', () => {
    const files = ROOMS.flatMap((room) => sourceFiles(path.join(ROOT, room))).filter(
      (file) => !relative(file).startsWith(STORE),
    );
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(sqlOutsideStore)).toEqual([]);
  });

  it('the check sees a statement and the driver where they are', () => {
    // The store itself is the control: a check that finds nothing there would pass for the wrong reason.
    const store = sourceFiles(path.join(ROOT, STORE));
    const found = store.flatMap(sqlOutsideStore);
    expect(found.some((f) => f.startsWith('src/store/db.ts') && f.includes('driver'))).toBe(true);
    expect(found.some((f) => f.startsWith('src/store/memories.ts') && f.includes('SELECT'))).toBe(true);
  });
});
