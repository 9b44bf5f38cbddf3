// Runs once, on the embedded leg (the system PostgreSQL leg excludes test/fuzz/**).
//
// Hostile input, sent byte for byte over a real socket: each request gets a clear 4xx in the documented JSON
// error shape, never a 5xx, stores nothing in its bank, and leaves the server answering the next request.
// test/operations-api.test.ts covers the everyday mistakes (malformed JSON, missing or unknown fields, bad
// filters); these are the ones an attacker or a broken client sends.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: any;
}

interface SendOptions {
  /** One buffer or string is sent with a Content-Length; an array is sent chunked, one chunk each. */
  body?: string | Buffer | (string | Buffer)[];
  headers?: Record<string, string>;
}

/**
 * node:http rather than fetch: the path goes out exactly as written (no dot-segment or escape normalisation),
 * any method can be sent, and the body is the given bytes. Each request has a connection of its own, so one
 * the server closed after a refusal is never reused.
 */
function send(base: string, method: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const { body } = options;
  const headers = { ...options.headers };
  if (body !== undefined && !Array.isArray(body)) headers['content-length'] = String(Buffer.byteLength(body));
  const chunks = body === undefined ? [] : Array.isArray(body) ? body : pieces(Buffer.from(body), 65_536);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      answered = true;
      const received: Buffer[] = [];
      res.on('data', (chunk: Buffer) => received.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(received).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text,
          json,
        });
      });
    });
    // A server that answers before reading the whole body (413) may close the socket under a late write.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        await new Promise<void>((done) => req.write(chunk, () => done()));
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

function pieces(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) out.push(buffer.subarray(i, i + size));
  return out;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const bankPath = (bank: string) => `/v1/default/banks/${bank}`;
const postJson = (
  base: string,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = JSON_TYPE,
) => send(base, 'POST', path, { body, headers });

/** The documented error answer: the status, `{ error: { code, message } }` as JSON, and a useful message. */
function expectRefused(res: Answer, statuses: number[], message: RegExp) {
  const summary = `${res.status} ${res.text.slice(0, 500)}`;
  expect(statuses, summary).toContain(res.status);
  expect(res.contentType, summary).toMatch(/^application\/json/);
  expect(res.json, summary).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  expect(res.json.error.message, summary).toMatch(message);
  const codes: Record<number, string> = {
    400: 'invalid_request',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
  };
  if (res.status !== 415 && res.status !== 405) expect(res.json.error.code, summary).toBe(codes[res.status]);
}

/** The server still answers a normal request, and the bank holds no operation, memory or webhook. */
async function expectNothingStored(base: string, bank: string) {
  for (const [path, field] of [
    ['operations', 'total'],
    ['memories', 'total'],
    ['webhooks', 'webhooks'],
  ] as const) {
    const res = await send(base, 'GET', `${bankPath(bank)}/${path}`);
    expect(res.status, `GET ${path}: ${res.text.slice(0, 300)}`).toBe(200);
    if (field === 'total') expect(res.json.total, `${path} of ${bank}`).toBe(0);
    else expect(res.json.webhooks, `webhooks of ${bank}`).toEqual([]);
  }
}

/** One bank for every liveness write, so its follow-up operations are deduplicated rather than piling up. */
const ALIVE_BANK = uniqueBank('alive');

/** The server answers, and a write still commits (a request that failed inside a transaction left none open). */
async function expectAlive(base: string) {
  const health = await send(base, 'GET', '/health');
  expect(health.status, health.text).toBe(200);
  const bank = ALIVE_BANK;
  const retain = await postJson(
    base,
    `${bankPath(bank)}/memories`,
    JSON.stringify({ items: [{ content: 'ok' }] }),
  );
  expect(retain.status, retain.text).toBe(200);
}

let svc: TestService;
/** The same service with a small body cap, for the cap itself. */
let capped: TestService;
const CAP = 65_536;

beforeAll(async () => {
  svc = await startService();
  capped = await startService({ env: { HINDSIGHT_MAX_BODY_BYTES: String(CAP) } });
});
afterAll(async () => {
  await Promise.all([svc?.stop(), capped?.stop()]);
});

const base = () => svc.url;

/** Sends a body to POST /memories of a fresh bank and checks the refusal, the bank and the server. */
async function refusedRetain(
  body: string | Buffer,
  statuses: number[],
  message: RegExp,
  headers: Record<string, string> = JSON_TYPE,
) {
  const bank = uniqueBank('hostile');
  const res = await postJson(base(), `${bankPath(bank)}/memories`, body, headers);
  expectRefused(res, statuses, message);
  await expectNothingStored(base(), bank);
  await expectAlive(base());
  return res;
}

describe('very long strings', () => {
  it('refuses a 10 MB content in one item of a synchronous retain', async () => {
    const body = JSON.stringify({ items: [{ content: 'x'.repeat(10 * 1024 * 1024) }] });
    await refusedRetain(body, [400, 413], /content.*1,000,000 characters|too large|over/i);
  });

  it('refuses a 10 MB content in an asynchronous retain before any operation exists', async () => {
    const body = JSON.stringify({ items: [{ content: 'x'.repeat(10 * 1024 * 1024) }], async: true });
    await refusedRetain(body, [400, 413], /content.*1,000,000 characters|too large|over/i);
  });

  it('refuses a 200-character bank id, and one of 129', async () => {
    for (const bank of ['b'.repeat(200), 'b'.repeat(129)]) {
      const res = await postJson(
        base(),
        `${bankPath(bank)}/memories`,
        JSON.stringify({ items: [{ content: 'x' }] }),
      );
      expectRefused(res, [400], /bank_id.*128 characters/);
    }
    await expectAlive(base());
  });

  it('refuses a 200-character query string value', async () => {
    const bank = uniqueBank('hostile');
    const res = await send(base(), 'GET', `${bankPath(bank)}/memories?operation_id=${'o'.repeat(200)}`);
    expectRefused(res, [400], /operation_id/);
    await expectNothingStored(base(), bank);
  });
});

describe('deeply nested JSON', () => {
  const DEPTH = 100_000;

  it('refuses 100,000 levels of [ as the body without a stack overflow', async () => {
    await refusedRetain('['.repeat(DEPTH) + ']'.repeat(DEPTH), [400], /body.*expected object/);
  });

  it('refuses 100,000 unclosed levels of [ as malformed JSON', async () => {
    await refusedRetain('['.repeat(DEPTH), [400], /not valid JSON/);
  });

  it('refuses 100,000 levels of [ as the items', async () => {
    await refusedRetain(`{"items":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`, [400], /items/);
  });

  it('refuses 100,000 levels of objects inside metadata', async () => {
    const nested = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
    await refusedRetain(`{"items":[{"content":"x","metadata":${nested}}]}`, [400], /metadata/);
  });

  it('refuses deep nesting on every other JSON route too', async () => {
    const bank = uniqueBank('hostile');
    const deep = `{"x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
    for (const path of [
      '/memories/recall',
      '/graph/update',
      '/observations/regenerate',
      '/operations/cancel',
      '/webhooks',
    ]) {
      const res = await postJson(base(), `${bankPath(bank)}${path}`, deep);
      expectRefused(res, [400], /body/);
    }
    await expectNothingStored(base(), bank);
    await expectAlive(base());
  });
});

describe('bytes and characters that are not text', () => {
  it('refuses a body that is not valid UTF-8 instead of storing replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('{"items":[{"content":"bad '),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), // invalid bytes, a broken pair, an encoded surrogate
      Buffer.from('"}]}'),
    ]);
    await refusedRetain(body, [400], /UTF-8/i);
  });

  // PostgreSQL text and jsonb cannot hold U+0000: such input must be refused up front, not fail in the store.
  const nul = '\\u0000';
  const nulCases: [string, string, RegExp][] = [
    ['content', `{"items":[{"content":"a${nul}b"}]}`, /content/],
    ['content of an asynchronous retain', `{"items":[{"content":"a${nul}b"}],"async":true}`, /content/],
    ['context', `{"items":[{"content":"x","context":"a${nul}b"}]}`, /context/],
    ['document_id', `{"items":[{"content":"x","document_id":"a${nul}b"}]}`, /document_id/],
    ['a tag', `{"items":[{"content":"x","tags":["a${nul}b"]}]}`, /tags/],
    ['a metadata key', `{"items":[{"content":"x","metadata":{"k${nul}":"v"}}]}`, /metadata/],
    ['a metadata value', `{"items":[{"content":"x","metadata":{"k":"v${nul}"}}]}`, /metadata/],
  ];
  it.each(nulCases)(
    'refuses a NUL character in %s with 400, not a 500 from the store',
    async (_n, body, field) => {
      await refusedRetain(body, [400], field);
    },
  );

  const surrogateCases: [string, string, RegExp][] = [
    ['content', '{"items":[{"content":"a\\ud800b"}]}', /content/],
    ['content of an asynchronous retain', '{"items":[{"content":"a\\ud800b"}],"async":true}', /content/],
    ['a tag', '{"items":[{"content":"x","tags":["\\udc00"]}]}', /tags/],
  ];
  it.each(surrogateCases)('refuses an unpaired surrogate escape in %s with 400', async (_n, body, field) => {
    await refusedRetain(body, [400], field);
  });

  it('refuses a NUL character in a recall query, a document_id filter and a webhook secret', async () => {
    const bank = uniqueBank('hostile');
    const recall = await postJson(base(), `${bankPath(bank)}/memories/recall`, '{"query":"a\\u0000b"}');
    expectRefused(recall, [400], /query/);
    const filter = await send(base(), 'GET', `${bankPath(bank)}/memories?document_id=a%00b`);
    expectRefused(filter, [400], /document_id/);
    const webhook = await postJson(
      base(),
      `${bankPath(bank)}/webhooks`,
      '{"url":"https://93.184.216.34/hook","events":["operation.completed"],"secret":"s\\u0000"}',
    );
    expectRefused(webhook, [400], /secret/);
    await expectNothingStored(base(), bank);
    await expectAlive(base());
  });
});

describe('timestamps at the edges of the calendar', () => {
  // JavaScript prints years outside 0001..9999 as "0000-…" or "+010000-…", which PostgreSQL does not read.
  const outOfRange: [string, string, boolean][] = [
    ['year 0', '0000-01-01T00:00:00Z', false],
    ['year 0, asynchronous', '0000-01-01T00:00:00Z', true],
    ['before year 1 once the offset is applied', '0001-01-01T00:00:00+14:00', false],
    ['before year 1 once the offset is applied, asynchronous', '0001-01-01T00:00:00+14:00', true],
  ];
  it.each(outOfRange)('refuses a timestamp in %s with 400', async (_name, timestamp, async) => {
    await refusedRetain(JSON.stringify({ items: [{ content: 'x', timestamp }], async }), [400], /timestamp/);
  });

  it('keeps the last nanosecond of year 9999 the same way, synchronously and asynchronously', async () => {
    const timestamp = '9999-12-31T23:59:59.999999999Z';
    const bank = uniqueBank('calendar');
    const items = JSON.stringify({ items: [{ content: 'x', timestamp }] });
    const sync = await postJson(base(), `${bankPath(bank)}/memories`, items);
    expect(sync.status, sync.text).toBe(200);
    const memory = await send(base(), 'GET', `${bankPath(bank)}/memories/${sync.json.memory_ids[0]}`);
    expect(memory.json.timestamp).toMatch(/^9999-12-31T23:59:59\.999/);

    const later = JSON.stringify({ items: [{ content: 'y', timestamp }], async: true });
    const accepted = await postJson(base(), `${bankPath(bank)}/memories`, later);
    expect(accepted.status, accepted.text).toBe(202);
    // A staged timestamp PostgreSQL rounds up into year 10000 can never be written: the batch would retry
    // its chunk until the attempts run out instead of completing.
    const { operation } = await waitForOperation(base(), bank, accepted.json.operation_id, 30_000);
    expect(operation.status, JSON.stringify(operation)).toBe('completed');
    const stored = await send(base(), 'GET', `${bankPath(bank)}/memories/${operation.result.memory_ids[0]}`);
    expect(stored.json.timestamp).toMatch(/^9999-12-31T23:59:59\.999/);
  });
});

describe('numbers in query strings', () => {
  const values = [
    'limit=1e309',
    'offset=-1',
    'limit=99999999999999999999',
    'limit=-0',
    'limit=NaN',
    'limit=Infinity',
    'limit=0x10',
    'limit=5.0',
    'limit=%205',
    'limit=%EF%BC%95', // a fullwidth digit five
    'limit=',
    'offset=1e3',
  ];
  it.each(values)(
    '?%s is a 400 naming the parameter on /operations, /memories and /entities',
    async (query) => {
      const bank = uniqueBank('hostile');
      for (const path of ['operations', 'memories', 'entities']) {
        const res = await send(base(), 'GET', `${bankPath(bank)}/${path}?${query}`);
        expectRefused(res, [400], new RegExp(query.split('=')[0]!));
      }
      await expectNothingStored(base(), bank);
    },
  );
});

describe('path traversal and odd characters in ids', () => {
  // Each is sent verbatim. Dot segments the URL parser folds away leave no route (404); the rest reach the id
  // check (400). Either way nothing is touched.
  const ids = [
    '..%2F..%2Fetc',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5C..%5Cwindows',
    'a%00b',
    '%00',
    '%E2%9C%93',
    'caf%C3%A9',
    '%F0%9F%98%80',
    'a%20b',
    '%20',
    'a+b',
    '%ZZ',
    '%C0%AE%C0%AE', // overlong encoding of ".."
    '%0D%0ASet-Cookie:%20x=1',
    'a%2Fb',
    "a'%20OR%20'1'='1",
  ];
  const templates: [string, (id: string) => string, string][] = [
    ['bank id', (id) => `/v1/default/banks/${id}/operations`, 'bank_id'],
    ['operation id', (id) => `/v1/default/banks/B/operations/${id}`, 'operation_id'],
    ['operation id (cancel)', (id) => `/v1/default/banks/B/operations/${id}`, 'operation_id'],
    ['operation id (events)', (id) => `/v1/default/banks/B/operations/${id}/events`, 'operation_id'],
    ['memory id', (id) => `/v1/default/banks/B/memories/${id}`, 'memory_id'],
    ['entity id', (id) => `/v1/default/banks/B/entities/${id}`, 'entity_id'],
    ['webhook id', (id) => `/v1/default/banks/B/webhooks/${id}`, 'webhook_id'],
  ];
  it.each(templates)('refuses odd characters in the %s', async (what, template, field) => {
    const bank = uniqueBank('hostile');
    for (const id of ids) {
      const method = what.includes('cancel') ? 'DELETE' : 'GET';
      const res = await send(base(), method, template(id).replace('/banks/B/', `/banks/${bank}/`));
      expectRefused(res, [400, 404], new RegExp(`${field}|no route`));
      if (res.status === 400) expect(res.json.error.message).toMatch(field);
    }
    for (const path of ['..', '.', '%2e%2e']) {
      const res = await send(base(), 'GET', template(path).replace('/banks/B/', `/banks/${bank}/`));
      expect(res.status, `${path}: ${res.text}`).toBeLessThan(500);
      expect(res.contentType).toMatch(/^application\/json/);
    }
    await expectNothingStored(base(), bank);
    await expectAlive(base());
  });

  it('refuses odd characters in the ids of a request body', async () => {
    for (const id of ['../etc', 'a\u0000b', 'caf\u00e9', 'a b', '', 'x'.repeat(129)]) {
      const bank = uniqueBank('hostile');
      const res = await postJson(
        base(),
        `${bankPath(bank)}/observations/regenerate`,
        JSON.stringify({ entity_ids: [id], operation_id: 'op-ok' }),
      );
      expectRefused(res, [400], /entity_ids/);
      await expectNothingStored(base(), bank);
    }
  });
});

describe('bodies that are not a JSON object', () => {
  const bodies: [string, string, RegExp][] = [
    ['an empty body', '', /items/],
    ['whitespace only', ' \r\n\t ', /items/],
    ['an array', '[{"content":"x"}]', /expected object, received array/],
    ['a string', '"items"', /expected object, received string/],
    ['null', 'null', /expected object, received null/],
    ['a number too large for a double', '1e309', /expected object/],
    ['true', 'true', /expected object, received boolean/],
    ['two JSON documents', '{"items":[{"content":"x"}]}{"items":[{"content":"y"}]}', /JSON/],
    ['a JavaScript object literal', "{items:[{content:'x'}]}", /JSON/],
  ];
  it.each(bodies)('refuses %s', async (_name, body, message) => {
    await refusedRetain(body, [400], message);
  });

  it('refuses duplicate keys rather than silently keeping one of them', async () => {
    await refusedRetain('{"items":[{"content":"a"}],"items":[{"content":"b"}]}', [400], /duplicate/i);
    await refusedRetain(
      '{"items":[{"content":"a"}],"async":false,"async":true,"operation_id":"op-dup"}',
      [400],
      /duplicate/i,
    );
    await refusedRetain('{"items":[{"content":"a","content":"b"}]}', [400], /duplicate/i);
  });
});

describe('wrong content types', () => {
  const json = JSON.stringify({ items: [{ content: 'sent as something else' }] });
  const boundary = 'hostileboundary';
  const multipart =
    `--${boundary}\r\nContent-Disposition: form-data; name="items"\r\n\r\n` +
    `[{"content":"x"}]\r\n--${boundary}--\r\n`;
  const cases: [string, string, string][] = [
    // A browser page may send text/plain cross-origin without a preflight: it must not be able to write.
    ['text/plain with a JSON body', json, 'text/plain'],
    ['text/plain;charset=UTF-8 with a JSON body', json, 'text/plain;charset=UTF-8'],
    ['form-urlencoded', 'items=x&async=true', 'application/x-www-form-urlencoded'],
    ['form-urlencoded carrying JSON', json, 'application/x-www-form-urlencoded'],
    ['multipart form data', multipart, `multipart/form-data; boundary=${boundary}`],
    ['application/xml', '<items><item><content>x</content></item></items>', 'application/xml'],
  ];
  it.each(cases)('refuses %s', async (_name, body, contentType) => {
    await refusedRetain(body, [400, 415], /JSON|content.type/i, { 'content-type': contentType });
  });
});

describe('prototype pollution', () => {
  const attempts: [string, string][] = [
    ['__proto__ first', '{"__proto__":{"async":true},"items":[{"content":"x"}]}'],
    ['__proto__ last', '{"items":[{"content":"x"}],"__proto__":{"async":true}}'],
    ['__proto__ in an item', '{"items":[{"content":"x","__proto__":{"async":true}}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"async":true}},"items":[{"content":"x"}]}'],
  ];
  it.each(attempts)(
    '%s neither makes the retain asynchronous nor pollutes Object.prototype',
    async (_n, body) => {
      const bank = uniqueBank('hostile');
      const res = await postJson(base(), `${bankPath(bank)}/memories`, body);
      expect(res.status, res.text).not.toBe(202);
      expectRefused(res, [400], /__proto__|constructor|metadata/);
      // The service runs in this process: a polluted prototype would show here.
      expect(({} as Record<string, unknown>).async).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('async');
      await expectNothingStored(base(), bank);
    },
  );
});

describe('prototype keys inside metadata', () => {
  it('never pollutes Object.prototype and never stores a metadata object with a swapped prototype', async () => {
    const bank = uniqueBank('hostile');
    const body = '{"items":[{"content":"x","metadata":{"__proto__":{"async":"true"},"k":"v"}}]}';
    const res = await postJson(base(), `${bankPath(bank)}/memories`, body);
    expect([200, 400], res.text).toContain(res.status);
    expect(Object.prototype).not.toHaveProperty('async');
    if (res.status === 200) {
      const memory = await send(base(), 'GET', `${bankPath(bank)}/memories/${res.json.memory_ids[0]}`);
      expect(memory.json.metadata).toEqual({ k: 'v' });
    } else {
      expectRefused(res, [400], /metadata/);
    }
    await expectAlive(base());
  });
});

describe('methods a path does not serve', () => {
  const cases: [string, string][] = [
    ['PUT', '/operations'],
    ['PATCH', '/operations'],
    ['DELETE', '/operations'],
    ['POST', '/operations/op-1'],
    ['PUT', '/memories'],
    ['PUT', '/memories'],
    ['PUT', '/memories/recall'],
    ['POST', '/entities'],
    ['PUT', '/webhooks/wh-1'],
    ['TRACE', '/operations'],
    ['OPTIONS', '/operations'],
  ];
  it.each(cases)('%s %s is a 404 or 405 JSON error', async (method, path) => {
    const bank = uniqueBank('hostile');
    const withBody = !['TRACE', 'OPTIONS'].includes(method);
    const res = await send(
      base(),
      method,
      `${bankPath(bank)}${path}`,
      withBody ? { body: '{"items":[{"content":"x"}]}', headers: JSON_TYPE } : {},
    );
    expectRefused(res, [404, 405], new RegExp(method));
    await expectNothingStored(base(), bank);
  });
});

describe('request size limits', () => {
  const oversized = (bytes: number) =>
    JSON.stringify({ items: [{ content: 'x'.repeat(bytes) }], async: true });

  it('answers 413 with a message for a body over HINDSIGHT_MAX_BODY_BYTES', async () => {
    const bank = uniqueBank('capped');
    const res = await postJson(capped.url, `${bankPath(bank)}/memories`, oversized(CAP + 1_000));
    expectRefused(res, [413], new RegExp(`${CAP} bytes`));
    await expectNothingStored(capped.url, bank);
    await expectAlive(capped.url);
  });

  it('answers 413 for a chunked body over the cap, which announces no length', async () => {
    const bank = uniqueBank('capped');
    const body = oversized(CAP * 2);
    const chunks = Array.from({ length: Math.ceil(body.length / 8_192) }, (_, i) =>
      body.slice(i * 8_192, (i + 1) * 8_192),
    );
    const res = await send(capped.url, 'POST', `${bankPath(bank)}/memories`, {
      body: chunks,
      headers: JSON_TYPE,
    });
    expectRefused(res, [413], new RegExp(`${CAP} bytes`));
    await expectNothingStored(capped.url, bank);
    await expectAlive(capped.url);
  });

  // The cap protects the process's memory: it must hold for every route that reads a body, not only retain.
  const otherRoutes: [string, string, (pad: string) => unknown][] = [
    ['POST', '/memories/recall', (pad) => ({ query: 'q', pad })],
    ['POST', '/graph/update', (pad) => ({ full_rebuild: true, pad })],
    ['POST', '/observations/regenerate', (pad) => ({ entity_ids: [pad.slice(0, 10)], pad })],
    ['POST', '/operations/cancel', (pad) => ({ status: 'pending', pad })],
    ['POST', '/webhooks', (pad) => ({ url: 'https://93.184.216.34/', events: ['operation.completed'], pad })],
    ['PATCH', '/webhooks/wh-none', (pad) => ({ enabled: false, pad })],
  ];
  it.each(otherRoutes)('answers 413 for a body over the cap to %s %s', async (method, path, make) => {
    const bank = uniqueBank('capped');
    const body = JSON.stringify(make('p'.repeat(CAP + 1_000)));
    const res = await send(capped.url, method, `${bankPath(bank)}${path}`, { body, headers: JSON_TYPE });
    expectRefused(res, [413], new RegExp(`${CAP} bytes`));
    await expectNothingStored(capped.url, bank);
  });

  it('answers 413 for more than 100,000 items', async () => {
    const item = '{"content":"x"}';
    const body = `{"async":true,"items":[${`${item},`.repeat(100_000)}${item}]}`;
    await refusedRetain(body, [413], /at most 100000 items.*100001/);
  });

  it('still takes exactly 100,000 items asynchronously', async () => {
    const bank = uniqueBank('hostile');
    const item = '{"content":"x"}';
    const body = `{"async":true,"items":[${`${item},`.repeat(99_999)}${item}]}`;
    const res = await postJson(base(), `${bankPath(bank)}/memories`, body);
    expect(res.status, res.text.slice(0, 500)).toBe(202);
    expect(res.json.total).toBe(100_000);
    const cancel = await send(base(), 'DELETE', `${bankPath(bank)}/operations/${res.json.operation_id}`);
    expect([200, 202, 409], cancel.text).toContain(cancel.status);
  });
});
