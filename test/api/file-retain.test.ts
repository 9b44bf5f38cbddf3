import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { http, waitForOperation } from '../support/http.js';
import { pythonEnv, runPython } from '../support/python.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// Hindsight's upload route, over real HTTP with real multipart bodies: text files become one batch_retain.

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

const bankPath = (bank: string) => `/v1/default/banks/${bank}`;

interface Upload {
  status: number;
  body: any;
}

async function upload(bank: string, files: File[], request?: unknown): Promise<Upload> {
  const form = new FormData();
  for (const file of files) form.append('files', file);
  if (request !== undefined) form.append('request', JSON.stringify(request));
  const res = await fetch(`${svc.url}${bankPath(bank)}/files/retain`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

const text = (name: string, content: string, type = 'text/plain') => new File([content], name, { type });

describe('POST /files/retain', () => {
  it('retains every text file as a document of one batch_retain', async () => {
    const bank = uniqueBank('files');
    const res = await upload(
      bank,
      [
        text('trip.md', '# Trip\n\nAda flew to Lima in May.', 'text/markdown'),
        text('people.csv', 'name,city\nBo,Oslo', ''),
      ],
      { files_metadata: [{ document_id: 'trip-2024', tags: ['travel'] }, {}] },
    );
    expect(res.status).toBe(200);
    expect(res.body.operation_ids).toHaveLength(1);
    const done = await waitForOperation(svc.url, bank, res.body.operation_ids[0]);
    expect(done.operation).toMatchObject({ type: 'batch_retain', status: 'completed', total: 2 });

    const docs = await http(svc.url, 'GET', `${bankPath(bank)}/documents`);
    expect(docs.body.items.map((d: any) => d.id).sort()).toEqual(['people.csv', 'trip-2024']);
    const trip = await http(svc.url, 'GET', `${bankPath(bank)}/documents/trip-2024`);
    expect(trip.body.tags).toEqual(['travel']);
    const recall = await http(svc.url, 'POST', `${bankPath(bank)}/memories/recall`, { query: 'Lima' });
    expect(recall.body.results[0].text).toContain('Ada flew to Lima');
  });

  it.each([
    [
      'a PDF',
      () => [text('report.pdf', '%PDF-1.7', 'application/pdf')],
      undefined,
      415,
      'report.pdf is application/pdf',
    ],
    ['no files', () => [], undefined, 400, 'send at least one file part named "files"'],
    [
      'metadata that does not match the files',
      () => [text('a.txt', 'Ann.'), text('b.txt', 'Ben.')],
      { files_metadata: [{}] },
      400,
      'has 1 entries for 2 files',
    ],
    ['a blank file', () => [text('empty.txt', '   ')], undefined, 400, 'must not be blank'],
  ])(
    'refuses %s, saying what to fix, and creates nothing',
    async (_what, files, request, status, message) => {
      const bank = uniqueBank('files');
      const res = await upload(bank, files(), request);
      expect(res.status).toBe(status);
      expect(res.body.error.message).toContain(message);
      const ops = await http(svc.url, 'GET', `${bankPath(bank)}/operations`);
      expect(ops.body.operations ?? []).toEqual([]);
    },
  );

  it('refuses a body that is not multipart with 415 saying what to send', async () => {
    const bank = uniqueBank('files');
    const res = await http(svc.url, 'POST', `${bankPath(bank)}/files/retain`, { files: ['a.txt'] });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toContain('multipart/form-data');
  });

  it('refuses text that is not UTF-8', async () => {
    const bank = uniqueBank('files');
    const latin1 = new File([new Uint8Array([0x63, 0x61, 0x66, 0xe9])], 'cafe.txt', { type: 'text/plain' });
    const res = await upload(bank, [latin1]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('cafe.txt is not valid UTF-8 text');
  });

  it('uploads from both clients, each file a document under the id it is given', async () => {
    const bank = uniqueBank('files');
    const client = new HindsightClient({ baseUrl: svc.url });
    const { operationIds } = await client.retainFiles({
      bankId: bank,
      files: [{ name: 'trip.md', content: 'Cy drove to Porto.', documentId: 'porto', tags: ['travel'] }],
    });
    expect(operationIds).toHaveLength(1);
    const script = [
      'import json, os',
      'from hindsight_client import Hindsight',
      'hs = Hindsight(os.environ["HINDSIGHT_API_URL"])',
      `print(json.dumps(hs.retain_files(${JSON.stringify(bank)}, [("notes.txt", "Di swam at Nice.")], [{"document_id": "nice"}])))`,
    ].join('\n');
    const { code, output } = await runPython(['-c', script], {
      cwd: fileURLToPath(new URL('../../clients/python', import.meta.url)),
      env: pythonEnv({ HINDSIGHT_API_URL: svc.url }),
    });
    expect(code, output).toBe(0);
    const fromPython = JSON.parse(output.trim().split('\n').at(-1)!);
    for (const id of [...operationIds, ...fromPython.operation_ids]) {
      expect((await waitForOperation(svc.url, bank, id)).operation.status).toBe('completed');
    }
    const docs = await http(svc.url, 'GET', `${bankPath(bank)}/documents`);
    expect(docs.body.items.map((d: any) => d.id).sort()).toEqual(['nice', 'porto']);
    expect((await http(svc.url, 'GET', `${bankPath(bank)}/documents/porto`)).body.tags).toEqual(['travel']);
  });
});
