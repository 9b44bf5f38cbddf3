import { Hono } from 'hono';
import { unsupportedType } from '../../errors.js';
import type { AppDeps } from '../deps.js';
import { fileItems, parseFileRequest } from '../file-items.js';
import { bankParams } from '../schemas.js';
import { validate } from '../validate.js';

const MULTIPART = /^multipart\/form-data\s*;/i;

/**
 * `POST /files/retain`, Hindsight's upload route as its clients' `retainFiles` calls it: text files become the
 * documents of one async batch_retain, answered at once with its id.
 */
export function fileRoutes(deps: AppDeps) {
  return new Hono().post('/retain', async (c) => {
    const { bank_id } = validate(bankParams, c.req.param(), 'path');
    if (!MULTIPART.test(c.req.header('content-type') ?? ''))
      throw unsupportedType(
        'send the files as multipart/form-data: one or more "files" parts and an optional "request" part ' +
          'holding JSON like {"files_metadata": [{"document_id": "…", "context": "…"}]}',
      );
    const form = await c.req.parseBody({ all: true });
    const files = [form.files ?? []].flat().filter((part): part is File => part instanceof File);
    const items = await fileItems(files, parseFileRequest(form.request));
    const { operation } = await deps.operations.submitBatchRetain(bank_id, items);
    // 200 as Hindsight answers (its clients read no other status); the operation runs on, like an async retain.
    return c.json({ operation_ids: [operation.operation_id] }, 200);
  });
}
