import { afterEach, describe, expect, it } from 'vitest';
import { type LocalServer, localServer, operationJson, sendJson } from '../client/local-server.js';
import { runCli } from './run-cli.js';

// Endings the real server cannot be made to produce on demand (a failed operation, a rejected key)
// are checked against a small local HTTP server that answers like the API.

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CLI against a scripted server', () => {
  it('watch exits 1 and prints the error when the operation failed', async () => {
    server = await localServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: operation\nid: 1\ndata: ${JSON.stringify(operationJson({ progress: 2 }))}\n\n`);
        const failed = operationJson({ status: 'failed', progress: 2, error: 'database unreachable' });
        res.end(`event: operation\nid: 2\ndata: ${JSON.stringify(failed)}\n\n`);
        return;
      }
      sendJson(res, 404, { error: { code: 'not_found', message: 'unexpected request' } });
    });
    const result = await runCli(['--api-url', server.url, 'operations', 'watch', 'bank-local', 'op-local']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('op-local  2/3  66%  running');
    expect(result.stdout).toContain('op-local  2/3  66%  failed');
    expect(result.stderr).toBe('error: operation op-local failed: database unreachable\n');
  }, 60_000);

  it('watch --json prints one server JSON line per state', async () => {
    server = await localServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const done = operationJson({ status: 'completed', progress: 3, result: { memory_ids: ['m1'] } });
        res.end(`event: operation\nid: 9\ndata: ${JSON.stringify(done)}\n\n`);
        return;
      }
      sendJson(res, 404, { error: { code: 'not_found', message: 'unexpected request' } });
    });
    const result = await runCli([
      '--api-url',
      server.url,
      '--json',
      'operations',
      'watch',
      'bank-local',
      'op-local',
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ operation_id: 'op-local', result: { memory_ids: ['m1'] } });
  }, 60_000);

  it('sends --api-key (or HINDSIGHT_API_KEY) as a bearer token and explains a 401', async () => {
    const seen: (string | undefined)[] = [];
    server = await localServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization === 'Bearer good-key') {
        sendJson(res, 200, { bank_id: 'b', operations: [], total: 0, limit: 20, offset: 0 });
      } else {
        sendJson(res, 401, {
          error: { code: 'unauthorized', message: 'the API key is not valid for this server' },
        });
      }
    });
    const ok = await runCli(['--api-url', server.url, '--api-key', 'good-key', 'operations', 'list', 'b']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('No operations.\n0 of 0 operations\n');

    const fromEnv = await runCli(['--api-url', server.url, 'operations', 'list', 'b'], {
      env: { HINDSIGHT_API_KEY: 'good-key' },
    });
    expect(fromEnv.code).toBe(0);

    const bad = await runCli(['--api-url', server.url, '--api-key', 'bad-key', 'operations', 'list', 'b']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'error: the API key is not valid for this server (set --api-key or HINDSIGHT_API_KEY) [401 unauthorized]\n',
    );
    expect(seen).toEqual(['Bearer good-key', 'Bearer good-key', 'Bearer bad-key']);
  }, 60_000);
});
