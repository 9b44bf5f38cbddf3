import { Hono } from 'hono';
import { notFound } from '../../errors.js';
import { assertBankTakesWork } from '../../store/bank-state.js';
import { getDocument, listDocuments, setDocumentTags } from '../../store/documents.js';
import type { AppDeps } from '../deps.js';
import { bankParams, documentParams, pageQuery, updateDocumentBody } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

/** A bank's documents: the memories retained under one document_id, listed, read, retagged and deleted. */
export function documentRoutes(deps: AppDeps) {
  return new Hono()
    .get('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const query = validate(pageQuery, c.req.query(), 'query');
      const { items, total } = await listDocuments(deps.db, { bankId: bank_id, ...query });
      return c.json({ items, total, limit: query.limit, offset: query.offset, total_is_estimate: false });
    })
    .get('/:document_id', async (c) => {
      const { bank_id, document_id } = validate(documentParams, c.req.param(), 'path');
      const document = await getDocument(deps.db, bank_id, document_id);
      if (!document) throw notFound(`document ${document_id} not found in bank ${bank_id}`);
      return c.json(document);
    })
    .patch('/:document_id', async (c) => {
      const { bank_id, document_id } = validate(documentParams, c.req.param(), 'path');
      const body = validate(updateDocumentBody, await jsonBody(c.req), 'body');
      const tags = [...new Set(body.tags)].sort();
      const changed = await deps.db.transaction(async (tx) => {
        await assertBankTakesWork(tx, bank_id);
        return setDocumentTags(tx, bank_id, document_id, tags);
      });
      if (changed === 0) throw notFound(`document ${document_id} not found in bank ${bank_id}`);
      return c.json({ success: true });
    })
    .delete('/:document_id', async (c) => {
      const { bank_id, document_id } = validate(documentParams, c.req.param(), 'path');
      const { operation, memories } = await deps.operations.submitDeleteDocument(bank_id, document_id);
      return c.json({
        success: true,
        message: `document ${document_id} is being deleted by operation ${operation.operation_id}`,
        document_id,
        memory_units_deleted: memories,
        operation_id: operation.operation_id,
      });
    });
}
