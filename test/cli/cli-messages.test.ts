import { afterEach, describe, expect, it } from 'vitest';
import { fitToWidth } from '../../src/cli/format.js';
import { barLine } from '../../src/cli/progress.js';
import { type LocalServer, localServer, operationJson, sendJson } from '../client/local-server.js';
import { runCli, startCli } from './run-cli.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A bank with no operations until `activeAfter` list requests have been answered, then one running. */
async function bankServer(activeAfter: number) {
  let lists = 0;
  return localServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/operations')) {
      lists++;
      const active = lists > activeAfter * 2 && url.searchParams.get('status') === 'running';
      const operations = active ? [operationJson()] : [];
      sendJson(res, 200, {
        bank_id: 'bank-local',
        operations,
        total: operations.length,
        limit: 100,
        offset: 0,
      });
      return;
    }
    if (url.pathname.endsWith('/events')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const done = operationJson({ status: 'completed', progress: 3 });
      res.end(`event: operation\nid: 9\ndata: ${JSON.stringify(done)}\n\n`);
      return;
    }
    sendJson(res, 404, { error: { code: 'not_found', message: 'unexpected request' } });
  });
}

describe('CLI messages', () => {
  it('says a negative or too large number is out of range, not that it is no integer', async () => {
    const negative = await runCli(['operations', 'list', 'bank-x', '--offset', '-1']);
    expect(negative.code).toBe(1);
    expect(negative.stderr).toContain('must be at least 0, got -1');
    expect(negative.stderr).not.toContain('integer');
    const big = await runCli(['operations', 'list', 'bank-x', '--limit', '1000']);
    expect(big.stderr).toContain('must be at most 100, got 1000');
    const word = await runCli(['operations', 'list', 'bank-x', '--limit', 'ten']);
    expect(word.stderr).toContain('must be a whole number from 1 to 100, got "ten"');
  }, 60_000);

  it('asks for the bank first when retain has neither bank nor files', async () => {
    const none = await runCli(['retain']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("missing required argument 'bank'");
    expect(none.stderr).not.toContain("--files <paths...>' not specified");
    const noFiles = await runCli(['retain', 'bank-x']);
    expect(noFiles.code).toBe(1);
    expect(noFiles.stderr).toContain('hindsight retain bank-x --files <paths...>');
  }, 60_000);

  it('explains a port fetch never connects to instead of saying "bad port"', async () => {
    const result = await runCli(['--api-url', 'http://localhost:1', 'operations', 'list', 'bank-x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cannot reach the Hindsight API at http://localhost:1: port 1 is on fetch',
    );
    expect(result.stderr).not.toMatch(/bad port/);
  }, 60_000);

  it('says a refused connection is one', async () => {
    const closed = await localServer(() => undefined);
    await closed.close(); // a port nothing listens on any more
    const result = await runCli(['--api-url', closed.url, 'operations', 'list', 'bank-x']);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('connection refused: is the service running there?');
  }, 60_000);

  it('watch --all on an idle bank waits for new operations and follows them', async () => {
    server = await bankServer(3);
    const watch = startCli([
      '--api-url',
      server.url,
      'operations',
      'watch',
      'bank-local',
      '--all',
      '--interval',
      '200',
    ]);
    await watch.waitFor(/waiting for new ones \(Ctrl-C to stop\)/);
    const result = await watch.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('op-local  3/3  100%  completed');
  }, 60_000);

  it('watch --all on an idle bank keeps waiting until Ctrl-C, or exits at once with --exit-when-idle', async () => {
    server = await bankServer(Number.POSITIVE_INFINITY);
    const watch = startCli([
      '--api-url',
      server.url,
      'operations',
      'watch',
      'bank-local',
      '--all',
      '--interval',
      '100',
    ]);
    await watch.waitFor(/waiting for new ones/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(watch.child.exitCode).toBeNull();
    watch.child.kill('SIGINT');
    expect((await watch.exited).code).toBe(130);

    const idle = await runCli([
      '--api-url',
      server.url,
      'operations',
      'watch',
      'bank-local',
      '--all',
      '--exit-when-idle',
    ]);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toBe('No pending or running operations in bank bank-local.\n');
  }, 60_000);
});

describe('lines on a terminal', () => {
  const words = 'op-0123456789  [██████░░░░]  450/1000  45%  12.5 items/s  ETA 44s  running  batch_retain';

  it('are cut at a word with an ellipsis, never mid-word', () => {
    const cut = fitToWidth(words, 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut).toBe('op-0123456789  [██████░░░░]  450/1000  45%  12.5…');
    expect(fitToWidth('short line', 50)).toBe('short line');
    expect(fitToWidth('x'.repeat(60), 50)).toBe(`${'x'.repeat(49)}…`);
  });

  it('keep the bar and the status, cutting what follows at a word, and drop the bar only when needed', () => {
    const withBar = 'op-0123456789  [██████░░░░]  450/1000  45%  ETA 44s  running';
    const withoutBar = 'op-0123456789  450/1000  45%  ETA 44s  running';
    const suffix = '  batch_retain';
    expect(barLine(withBar, withoutBar, suffix, 120)).toBe(withBar + suffix);
    expect(barLine(withBar, withoutBar, suffix, 70)).toBe(`${withBar}…`);
    expect(barLine(withBar, withoutBar, suffix, 55)).toBe(`${withoutBar}…`);
    expect(barLine(withBar, withoutBar, suffix, 30)).toBe('op-0123456789  450/1000  45%…');
    // A terminal that reports no width: nothing is cut.
    expect(barLine(withBar, withoutBar, suffix, 0)).toBe(withBar + suffix);
  });
});
