import { z } from 'zod';
import { OPERATION_STATUSES } from '../operations/types.js';
import {
  bankBody,
  bankConfigSchema,
  bankListSchema,
  bankProfileSchema,
  bankStatsSchema,
  configUpdateBody,
  deletedSchema,
  dispositionBody,
  liveSchema,
  versionSchema,
} from './bank-schemas.js';
import { DOCS_ASSETS } from './docs-page.js';
import {
  bankDeleteSchema,
  documentDeleteSchema,
  documentListSchema,
  documentSchema,
  documentUpdatedSchema,
} from './document-schemas.js';
import { fileRetainAnswerSchema, MAX_FILES } from './file-items.js';
import {
  cancelledListSchema,
  entityListSchema,
  entitySchema,
  healthSchema,
  memoryLinksSchema,
  memoryListSchema,
  memorySchema,
  memoryUnitListSchema,
  operationListSchema,
  recallResultSchema,
  retainSyncSchema,
} from './response-schemas.js';
import { reflectAnswerSchema, reflectBody } from './routes/reflect.js';
import {
  bankParams,
  cancelManyBody,
  deleteOperationAnswerSchema,
  documentParams,
  entityParams,
  errorSchema,
  getOperationQuery,
  graphUpdateBody,
  listMemoriesQuery,
  listMemoryUnitsQuery,
  listOperationsQuery,
  MAX_DOCUMENT_TAGS,
  MAX_METADATA_KEY_LENGTH,
  MAX_METADATA_KEYS,
  MAX_METADATA_VALUE_LENGTH,
  memoryParams,
  operationParams,
  operationSchema,
  pageQuery,
  queryIntegers,
  recallBody,
  regenerateObservationsBody,
  retainBody,
  retryAnswerSchema,
  updateDocumentBody,
} from './schemas.js';
import {
  createWebhookBody,
  deliveryListSchema,
  updateWebhookBody,
  webhookCreatedSchema,
  webhookEventSchema,
  webhookListSchema,
  webhookParams,
  webhookSchema,
} from './webhook-schemas.js';

// Every route the app serves, with the zod schemas that validate its input and describe its answers. The
// document is generated from this table; a test checks that the table covers every route of the app and that
// real answers match what it says.

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  headers?: Record<string, HeaderDoc>;
}

interface HeaderDoc {
  description: string;
  schema: Record<string, unknown>;
}

/** A header whose value is a whole number of seconds (`Retry-After`). */
const seconds = (description: string): HeaderDoc => ({
  description,
  schema: { type: 'integer', minimum: 0 },
});

export interface RouteDoc {
  method: Method;
  /** OpenAPI style: `{bank_id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: { name: string; description: string }[];
  body?: z.ZodType;
  /** A multipart/form-data body, as a JSON schema of its parts (in place of `body`). */
  form?: Record<string, unknown>;
  responses: Record<number, ResponseDoc>;
  /** Reachable without an API key. */
  open?: boolean;
}

const BANK = '/v1/default/banks/{bank_id}';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the message names each offending field (`invalid_request`)',
  401: 'Missing or unknown API key (`unauthorized`)',
  403:
    'The API key may not access this bank, or a server without API keys on loopback was addressed by a ' +
    'name not in HINDSIGHT_ALLOWED_HOSTS (`forbidden`)',
  404: 'No such resource in this bank (`not_found`)',
  409: 'Conflicts with the current state (`conflict`)',
  408:
    'The request body did not arrive within HINDSIGHT_BODY_TIMEOUT_MS (10 min by default), or arrived slower than ' +
    'HINDSIGHT_BODY_MIN_BYTES_PER_SECOND (1024 bytes/s by default) over a 10 s window; the connection is closed ' +
    '(`request_timeout`)',
  413:
    'The request body is over HINDSIGHT_MAX_BODY_BYTES (64 MiB by default) (`payload_too_large`); the rest of it ' +
    'is read and discarded for up to 10 s (2 s once nothing arrives) so the client reads this answer, then the ' +
    'connection is closed',
  415: 'The body is not of a type this route takes; the message says what to send (`unsupported_media_type`)',
  501: 'A feature of the Hindsight API this service does not serve; the message names it (`not_implemented`)',
  502: 'The operation the request waited for failed; the message says why (`operation_failed`)',
  503: 'A backing service is unavailable; retry shortly (`unavailable`)',
};

/** An operation's id answers 404 when it is unknown, and with its own code once its record has expired. */
const OPERATION_404: ResponseDoc = {
  description:
    'No such operation in this bank (`not_found`), or it ended longer ago than HINDSIGHT_OPERATION_RETENTION ' +
    '(30 days by default) and its record was removed (`operation_expired`, the message names the period)',
  schema: errorSchema,
};

function errors(...statuses: number[]): Record<number, ResponseDoc> {
  return Object.fromEntries(
    [...statuses, 401, 403, 503].map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? 'Error', schema: errorSchema },
    ]),
  );
}

const json = (description: string, schema: z.ZodType): ResponseDoc => ({ description, schema });

const RETRY_AFTER = { 'Retry-After': seconds('Seconds to wait before opening the stream again (5)') };

export const ROUTES: RouteDoc[] = [
  // ---- operations
  {
    method: 'get',
    path: `${BANK}/operations`,
    tag: 'Operations',
    summary: 'List operations, newest first',
    description:
      'Every completed batch_retain queues a graph_update and a regenerate_observations of its bank (at most one of each pending per bank): they are operations too, marked `follow_up: true` with the retain in `triggered_by`. ' +
      'Filter with `type=batch_retain` to see retains only. ' +
      'Filter on labels given at submit with `metadata.<key>=<value>` query parameters (for example ' +
      '`?metadata.customer=acme&metadata.batch=7`): an AND of exact matches, keys and values under the same ' +
      `limits as \`metadata\` (at most ${MAX_METADATA_KEYS} filters, keys of 1 to ${MAX_METADATA_KEY_LENGTH} ` +
      `letters, digits, "_", "." or "-", values of at most ${MAX_METADATA_VALUE_LENGTH} characters); a bad ` +
      'filter key, a key given twice or a bare `metadata` parameter answers 400.',
    params: bankParams,
    query: listOperationsQuery,
    responses: {
      200: json('A page of operations with the total count', operationListSchema),
      ...errors(400),
    },
  },
  {
    method: 'post',
    path: `${BANK}/operations/cancel`,
    tag: 'Operations',
    summary: 'Cancel every pending operation of the bank',
    description:
      'Pending follow-ups (graph_update, regenerate_observations queued by retains) are pending operations ' +
      'too and are cancelled with the rest; to keep them, cancel one by one the operations whose ' +
      '`follow_up` is false.',
    params: bankParams,
    body: cancelManyBody,
    responses: { 200: json('The operations that were cancelled', cancelledListSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/operations/{operation_id}`,
    tag: 'Operations',
    summary: 'Get one operation',
    description:
      'Answers from the operation row, which each chunk activity advances in the same transaction as its ' +
      'writes, so `progress` never runs ahead of the stored work. The row is reconciled with the workflow ' +
      'when Temporal reports it closed (terminated from the Temporal UI, for example). With `wait` (seconds, ' +
      '`30` or `30s`, at most 60) the answer is held until the operation ends or the wait runs out, whichever ' +
      'is first, and says which in the `Operation-Ended` header (`true` or `false`); waiters hear of the end ' +
      'within about 50 ms. Waiting requests are bounded: HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT (100) per ' +
      'client, past it 429, and HINDSIGHT_MAX_OPERATION_WAITS (2000) in the process, past it 503, both with ' +
      '`Retry-After: 5`.',
    params: operationParams,
    query: getOperationQuery,
    responses: {
      200: {
        description: 'The operation (after a wait: ended, or as it stood when the wait ran out)',
        schema: operationSchema,
        headers: {
          'Operation-Ended': {
            description: 'With `wait`: `true` when the operation had ended, `false` if the wait ran out',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        },
      },
      ...errors(400, 404),
      404: OPERATION_404,
      429: {
        description:
          'This API key (or client address, without keys) already holds HINDSIGHT_MAX_OPERATION_WAITS_PER_CLIENT ' +
          'waiting requests, 100 by default (`too_many_requests`)',
        schema: errorSchema,
        headers: { 'Retry-After': seconds('Seconds to wait before waiting again') },
      },
      503: {
        description:
          'The process holds HINDSIGHT_MAX_OPERATION_WAITS waiting requests, 2000 by default (`unavailable`), or ' +
          'a backing service is unavailable',
        schema: errorSchema,
        headers: { 'Retry-After': seconds('Seconds to wait before waiting again') },
      },
    },
  },
  {
    method: 'delete',
    path: `${BANK}/operations/{operation_id}`,
    tag: 'Operations',
    summary: 'Cancel an operation',
    description:
      'A pending operation is cancelled at once; a running one stops after its in-flight writes. Answers 202 ' +
      'when it had not stopped after a few seconds. Its workflow closes as Cancelled in Temporal, as a cancel ' +
      'from the Temporal UI leaves it.',
    params: operationParams,
    responses: {
      200: json('The cancelled operation', operationSchema),
      202: json('The operation, still stopping', operationSchema),
      ...errors(400, 404, 409),
      404: OPERATION_404,
    },
  },
  {
    method: 'post',
    path: `${BANK}/operations/{operation_id}/retry`,
    tag: 'Operations',
    summary: 'Retry the failed items of a batch_retain',
    description:
      'Starts a new batch_retain of just the items an ended batch_retain reported in `failed_items` (their ' +
      'documents are kept for this until then), numbered from 0 in their first order. The new operation names ' +
      'the old in `retry_of`; the old lists it in `retries`. Documents that succeeded are never retained again. ' +
      'An operation can be retried once: a second retry is 409 naming the first, which is retried in turn for ' +
      'what failed again. 409 for an operation that has not ended or has no failed items, 400 for one that is ' +
      'no batch_retain; a refusal changes nothing. Answers 200 (as Hindsight 1.1.0) with the new operation, ' +
      "which carries the original's `metadata` over.",
    params: operationParams,
    responses: {
      200: json('The retry started: the new operation', retryAnswerSchema),
      ...errors(400, 404, 409),
    },
  },
  {
    method: 'delete',
    path: `${BANK}/operations/{operation_id}/delete`,
    tag: 'Operations',
    summary: "Delete an ended operation's record",
    description:
      'Removes the record of a completed, failed or cancelled operation, with its staged documents and stored ' +
      'model answers; the memories it wrote stay, and a retry of it keeps its own record (its `retry_of` ' +
      'becomes null). 409 for an operation that has not ended: cancel it first.',
    params: operationParams,
    responses: {
      200: json('The record was deleted', deleteOperationAnswerSchema),
      ...errors(400, 404, 409),
    },
  },
  {
    method: 'get',
    path: `${BANK}/operations/{operation_id}/events`,
    tag: 'Operations',
    summary: 'Live progress as Server-Sent Events',
    description:
      'Sends the current state at once, then an `operation` event (`data`: the operation JSON) for every ' +
      'change of status or progress (at most a few a second), and closes after the terminal state. Event ids ' +
      'grow with the state (status rank × 10⁹ + progress), so reconnecting with `Last-Event-ID` resumes with ' +
      'newer states only. An idle stream gets a `: ping` comment every HINDSIGHT_EVENT_STREAM_HEARTBEAT_MS ' +
      '(15 s); a stream whose client stops reading is dropped once HINDSIGHT_EVENT_STREAM_MAX_BUFFER_BYTES ' +
      '(256 KiB) wait to be sent to it. A refused stream (429, 503) may be opened again after `Retry-After` ' +
      '(5 s).',
    params: operationParams,
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id' }],
    responses: {
      200: {
        description: '`text/event-stream` of `event: operation` frames',
        contentType: 'text/event-stream',
        // One event; its data is the operation as JSON.
        schema: z.object({
          event: z.literal('operation'),
          id: z.string().regex(/^\d+$/),
          data: z.string().meta({
            contentMediaType: 'application/json',
            contentSchema: jsonSchema(operationSchema, 'output'),
          }),
        }),
      },
      ...errors(400, 404),
      429: {
        description:
          'This API key (or client address, without keys) already holds HINDSIGHT_MAX_EVENT_STREAMS_PER_CLIENT ' +
          'open streams, 100 by default (`too_many_requests`)',
        schema: errorSchema,
        headers: RETRY_AFTER,
      },
      503: {
        description:
          'The process holds HINDSIGHT_MAX_EVENT_STREAMS open streams, 1000 by default (`unavailable`), or a ' +
          'backing service is unavailable',
        schema: errorSchema,
        headers: RETRY_AFTER,
      },
    },
  },
  // ---- memories
  {
    method: 'post',
    path: `${BANK}/memories`,
    tag: 'Memories',
    summary: 'Retain documents (batch)',
    description:
      'With `async: true` the batch runs as a `batch_retain` operation: 202 with the operation at once. ' +
      'Otherwise (at most 100 items and 100 KB) the request waits for the memories. With the built-in ' +
      'extractor they are written in the request; with `operation_id` the request is also recorded as a ' +
      'completed `batch_retain` operation (200 with `operation_id`), so the same request sent again answers ' +
      'the same memories and writes nothing. An `operation_id` sent again with other content answers 409. ' +
      'With a model provider the batch runs as a `batch_retain` ' +
      'operation the request waits for: 200 with its memories, `failed_items` and `operation_id` once it ' +
      'completes, 202 with the operation if it has not ended within `HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS`, ' +
      '502 if it failed.',
    params: bankParams,
    body: retainBody,
    responses: {
      200: json('Retained synchronously', retainSyncSchema),
      202: json('Accepted: the batch_retain operation', operationSchema),
      ...errors(400, 409, 413, 502),
    },
  },
  {
    method: 'get',
    path: `${BANK}/memories`,
    tag: 'Memories',
    summary: 'List memories',
    params: bankParams,
    query: listMemoriesQuery,
    responses: { 200: json('A page of memories', memoryListSchema), ...errors(400) },
  },
  {
    method: 'post',
    path: `${BANK}/memories/recall`,
    tag: 'Memories',
    summary: 'Recall memories matching a query',
    description:
      'Memories that share any of the query’s words (stemmed, stop words dropped) or name an entity it names, ' +
      'ranked by full-text rank and entity matches fused by reciprocal rank; with an embedding model, memories ' +
      'nearest the query in meaning join the fusion. `score` is the fused score (higher is better). An empty ' +
      '`results` means nothing in the bank shares a word, a name or (with embeddings) any meaning with the query.',
    params: bankParams,
    body: recallBody,
    responses: { 200: json('Best matches first', recallResultSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/memories/recall`,
    tag: 'Memories',
    summary: 'Not allowed: recall is a POST',
    description:
      'Answers 405 `method_not_allowed` with `Allow: POST`, rather than looking for a memory named recall.',
    params: bankParams,
    responses: { 405: json('Use POST (`method_not_allowed`)', errorSchema) },
  },
  {
    method: 'get',
    path: `${BANK}/memories/{memory_id}`,
    tag: 'Memories',
    summary: 'Get one memory',
    params: memoryParams,
    responses: { 200: json('The memory', memorySchema), ...errors(400, 404) },
  },
  {
    method: 'get',
    path: `${BANK}/memories/{memory_id}/links`,
    tag: 'Memories',
    summary: "A memory's links (written by graph_update)",
    params: memoryParams,
    responses: { 200: json('Links in both directions', memoryLinksSchema), ...errors(400, 404) },
  },
  // ---- entities
  {
    method: 'get',
    path: `${BANK}/entities`,
    tag: 'Entities',
    summary: 'List entities',
    params: bankParams,
    query: pageQuery,
    responses: { 200: json('A page of entities', entityListSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/entities/{entity_id}`,
    tag: 'Entities',
    summary: 'Get one entity with its observation',
    params: entityParams,
    responses: { 200: json('The entity', entitySchema), ...errors(400, 404) },
  },
  // ---- maintenance operations
  {
    method: 'post',
    path: `${BANK}/graph/update`,
    tag: 'Operations',
    summary: 'Start a graph_update operation',
    description:
      'Queues a graph update with these parameters (automatic follow-ups are deduplicated separately).',
    params: bankParams,
    body: graphUpdateBody,
    responses: { 202: json('The graph_update operation', operationSchema), ...errors(400, 409) },
  },
  {
    method: 'post',
    path: `${BANK}/observations/regenerate`,
    tag: 'Operations',
    summary: 'Start a regenerate_observations operation',
    description: 'Queues an observation regeneration for all entities or the listed ones.',
    params: bankParams,
    body: regenerateObservationsBody,
    responses: { 202: json('The regenerate_observations operation', operationSchema), ...errors(400, 409) },
  },
  // ---- deletes and documents
  {
    method: 'delete',
    path: BANK,
    tag: 'Banks',
    summary: 'Delete a bank (a delete_bank operation)',
    description:
      'Accepts a delete_bank operation and answers with its id. From then on the bank refuses new work (409) ' +
      'until the delete has ended; the delete waits for the operations accepted before it, then deletes the ' +
      "bank's memories, entities, links, observations, webhooks and operations in small transactions, and the " +
      "bank's row last. Its own operation stays readable. A cancelled delete leaves what it had not yet " +
      'deleted. Asking again while it runs answers with the same operation.',
    params: bankParams,
    responses: { 200: json('The delete was accepted', bankDeleteSchema), ...errors(400, 404) },
  },
  {
    method: 'get',
    path: `${BANK}/documents`,
    tag: 'Documents',
    summary: 'List documents',
    description: 'The documents of the bank (memories retained under a `document_id`), newest first.',
    params: bankParams,
    query: pageQuery,
    responses: { 200: json('A page of documents', documentListSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/documents/{document_id}`,
    tag: 'Documents',
    summary: 'Get a document',
    params: documentParams,
    responses: { 200: json('The document', documentSchema), ...errors(400, 404) },
  },
  {
    method: 'patch',
    path: `${BANK}/documents/{document_id}`,
    tag: 'Documents',
    summary: "Replace a document's tags",
    description: `Sets the tags of every memory of the document (at most ${MAX_DOCUMENT_TAGS}).`,
    params: documentParams,
    body: updateDocumentBody,
    responses: { 200: json('Updated', documentUpdatedSchema), ...errors(400, 404, 409) },
  },
  {
    method: 'delete',
    path: `${BANK}/documents/{document_id}`,
    tag: 'Documents',
    summary: 'Delete a document (a delete_document operation)',
    description:
      "Accepts a delete_document operation, which waits for the bank's running operations, then deletes the " +
      "document's memories with their links and entity mentions (entities stay). A cancelled delete leaves what " +
      'it had not yet deleted.',
    params: documentParams,
    responses: { 200: json('The delete was accepted', documentDeleteSchema), ...errors(400, 404, 409) },
  },
  // ---- webhooks
  {
    method: 'post',
    path: `${BANK}/webhooks`,
    tag: 'Webhooks',
    summary: 'Register a webhook',
    description:
      'Each event is POSTed with `webhook-id`, `webhook-timestamp` and `webhook-signature: v1=<hex HMAC-SHA256 ' +
      'of "timestamp.body">` headers. Without a `secret` one is generated and returned once, in this answer. ' +
      'URLs on loopback, private or link-local addresses are refused unless the server allows them. ' +
      'Every retain also ends two follow-ups (graph_update, regenerate_observations), so a webhook for ' +
      '`operation.completed` hears three events per retain; `operation_types: ["batch_retain"]` leaves the ' +
      'follow-ups out.',
    params: bankParams,
    body: createWebhookBody,
    responses: { 201: json('The webhook', webhookCreatedSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/webhooks`,
    tag: 'Webhooks',
    summary: "List the bank's webhooks",
    params: bankParams,
    responses: { 200: json('The webhooks', webhookListSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/webhooks/{webhook_id}`,
    tag: 'Webhooks',
    summary: 'Get one webhook',
    params: webhookParams,
    responses: { 200: json('The webhook', webhookSchema), ...errors(400, 404) },
  },
  {
    method: 'patch',
    path: `${BANK}/webhooks/{webhook_id}`,
    tag: 'Webhooks',
    summary: 'Change a webhook (url, events, operation_types, secret, enabled)',
    params: webhookParams,
    body: updateWebhookBody,
    responses: { 200: json('The webhook', webhookSchema), ...errors(400, 404) },
  },
  {
    method: 'delete',
    path: `${BANK}/webhooks/{webhook_id}`,
    tag: 'Webhooks',
    summary: 'Delete a webhook',
    params: webhookParams,
    responses: { 204: { description: 'Deleted' }, ...errors(400, 404) },
  },
  {
    method: 'get',
    path: `${BANK}/webhooks/{webhook_id}/deliveries`,
    tag: 'Webhooks',
    summary: "A webhook's delivery log, newest first",
    params: webhookParams,
    query: pageQuery,
    responses: {
      200: json('Deliveries with attempts and last outcome', deliveryListSchema),
      ...errors(400, 404),
    },
  },
  // ---- banks
  {
    method: 'get',
    path: '/v1/default/banks',
    tag: 'Banks',
    summary: 'List banks',
    description:
      'Every bank (with an API key limited to banks: those), by id, with its profile and memory count.',
    responses: { 200: json('The banks', bankListSchema), ...errors() },
  },
  {
    method: 'put',
    path: BANK,
    tag: 'Banks',
    summary: 'Create a bank or update its profile',
    description:
      'Fields left out keep their value. `mission` and `reflect_mission` are one setting; disposition traits ' +
      '(1–5) may be sent as `disposition` or as `disposition_skepticism` and so on. Other settings (at most ' +
      '100, lower-case names, values up to 10,000 bytes of JSON) are kept as configuration overrides.',
    params: bankParams,
    body: bankBody,
    responses: { 200: json('The bank profile', bankProfileSchema), ...errors(400) },
  },
  {
    method: 'patch',
    path: BANK,
    tag: 'Banks',
    summary: "Update an existing bank's profile",
    description: 'As PUT, for a bank that exists (404 otherwise).',
    params: bankParams,
    body: bankBody,
    responses: { 200: json('The bank profile', bankProfileSchema), ...errors(400, 404) },
  },
  {
    method: 'get',
    path: `${BANK}/profile`,
    tag: 'Banks',
    summary: "A bank's profile",
    description:
      'A bank never written to reads as the defaults (name: its id, traits 3); reading creates nothing.',
    params: bankParams,
    responses: { 200: json('The bank profile', bankProfileSchema), ...errors(400) },
  },
  {
    method: 'put',
    path: `${BANK}/profile`,
    tag: 'Banks',
    summary: "Set a bank's disposition",
    params: bankParams,
    body: dispositionBody,
    responses: { 200: json('The bank profile', bankProfileSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/config`,
    tag: 'Banks',
    summary: "A bank's configuration",
    description:
      '`config`: the settings in force; `overrides`: those the bank set. Apart from `reflect_mission` and the ' +
      'disposition traits, settings are kept and read back but change nothing this service does.',
    params: bankParams,
    responses: { 200: json('The configuration', bankConfigSchema), ...errors(400) },
  },
  {
    method: 'patch',
    path: `${BANK}/config`,
    tag: 'Banks',
    summary: "Override some of a bank's settings",
    params: bankParams,
    body: configUpdateBody,
    responses: { 200: json('The configuration', bankConfigSchema), ...errors(400) },
  },
  {
    method: 'delete',
    path: `${BANK}/config`,
    tag: 'Banks',
    summary: "Drop every override of a bank's settings",
    params: bankParams,
    responses: { 200: json('The configuration, with no overrides', bankConfigSchema), ...errors(400) },
  },
  {
    method: 'get',
    path: `${BANK}/stats`,
    tag: 'Banks',
    summary: "A bank's statistics",
    description:
      'Counts of memories (`total_nodes`), documents, entities, links, observations and operations by status.',
    params: bankParams,
    responses: { 200: json('The counts', bankStatsSchema), ...errors(400) },
  },
  {
    method: 'post',
    path: `${BANK}/files/retain`,
    tag: 'Memories',
    summary: 'Retain text files',
    description:
      "Hindsight's upload, as its clients' retainFiles sends it: every file is one document of a single async " +
      'batch_retain, its text the content and its name the document id unless files_metadata gives one. ' +
      `Text files only (text/*, JSON, XML, YAML, Markdown, CSV, or a text file name); up to ${MAX_FILES} files.`,
    params: bankParams,
    form: {
      type: 'object',
      required: ['files'],
      properties: {
        files: {
          type: 'array',
          items: { type: 'string', format: 'binary' },
          minItems: 1,
          maxItems: MAX_FILES,
        },
        request: {
          type: 'string',
          description:
            'JSON: {"files_metadata": [{document_id?, context?, tags?, metadata?, timestamp?}], "context"?}',
        },
      },
    },
    responses: {
      200: json(
        'The batch_retain that retains the files (pending: watch it like any retain)',
        fileRetainAnswerSchema,
      ),
      ...errors(400, 413, 415),
    },
  },
  {
    method: 'post',
    path: `${BANK}/reflect`,
    tag: 'Memories',
    summary: 'An answer from the bank memories',
    description:
      'With a chat model provider: the bank\u2019s memories are recalled for `query` (10, 20 or 40 of them for ' +
      '`budget` low, mid (default) or high) and the model answers from them alone, citing their ids as `[id]`; ' +
      '`based_on.memories` lists every memory it was given. It runs as a short `reflectWorkflow` whose model ' +
      'call shares the retain calls\u2019 task queue and quotas, and the request waits up to ' +
      'HINDSIGHT_REFLECT_WAIT_MS (60000 by default). No matching memories: an answer that says so, without ' +
      'asking the model. Without a provider: 501 saying one is needed (recall gives the memories instead), never ' +
      'a made-up text.',
    params: bankParams,
    body: reflectBody,
    responses: {
      200: json('The answer, the memories it rests on and the tokens it cost', reflectAnswerSchema),
      ...errors(400, 501),
      502: {
        description:
          'The model provider refused the call, kept failing it (three attempts) or its answer did not ' +
          'validate; the message carries the provider\u2019s words (`model_provider_failed`)',
        schema: errorSchema,
      },
      503: {
        description:
          'No answer within HINDSIGHT_REFLECT_WAIT_MS, or the provider kept rate limiting the call, or the ' +
          'deployment\u2019s model quota had no room (`unavailable`); or a backing service is unavailable',
        schema: errorSchema,
        headers: { 'Retry-After': seconds('Seconds to wait before asking again (30)') },
      },
    },
  },
  {
    method: 'get',
    path: `${BANK}/memories/list`,
    tag: 'Memories',
    summary: 'List memories (the published clients\u2019 listing)',
    description:
      '`q`: memories whose text contains it, in any case. Every memory here is a `world` fact: another `type` lists nothing.',
    params: bankParams,
    query: listMemoryUnitsQuery,
    responses: { 200: json('A page of memories with the total count', memoryUnitListSchema), ...errors(400) },
  },
  {
    method: 'delete',
    path: `${BANK}/memories`,
    tag: 'Memories',
    summary: 'Delete every memory of the bank',
    description:
      'In transactions of 1000 memories; the request answers when all are gone. Entities no memory mentions any more go too.',
    params: bankParams,
    responses: { 200: json('How many were deleted', deletedSchema), ...errors(400) },
  },
  {
    method: 'patch',
    path: `${BANK}/memories/{memory_id}`,
    tag: 'Memories',
    summary: 'Edit a memory (not served)',
    description:
      'The Hindsight API edits a memory here; this service does not, and answers 501 saying so. To change a ' +
      "memory, retain its document again with the same `document_id`: the document's memories are replaced.",
    params: memoryParams,
    responses: { ...errors(501) },
  },
  {
    method: 'delete',
    path: `${BANK}/memories/{memory_id}`,
    tag: 'Memories',
    summary: 'Delete one memory',
    params: memoryParams,
    responses: { 200: json('Deleted', deletedSchema), ...errors(400, 404) },
  },
  // ---- service
  {
    method: 'get',
    path: '/version',
    tag: 'Service',
    summary: 'Version and features',
    responses: { 200: json('The version', versionSchema), ...errors() },
  },
  {
    method: 'get',
    path: '/health/live',
    tag: 'Service',
    summary: 'Liveness: the process answers',
    open: true,
    responses: { 200: json('Alive', liveSchema) },
  },
  {
    method: 'get',
    path: '/health/ready',
    tag: 'Service',
    summary: 'Readiness: the store, Temporal and the worker answer',
    open: true,
    responses: {
      200: json('Ready', healthSchema),
      503: json('Not ready: the failing part is named', healthSchema),
    },
  },
  // ---- service
  {
    method: 'get',
    path: '/health',
    tag: 'Service',
    summary: 'Health of the API and what it depends on',
    open: true,
    responses: {
      200: json('Everything answers', healthSchema),
      503: json('The failing part is named', healthSchema),
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    summary: 'This document',
    open: true,
    responses: { 200: json('OpenAPI 3.1', z.record(z.string(), z.unknown())) },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'Service',
    summary: 'Interactive API reference (HTML)',
    description:
      'Swagger UI: **Authorize** takes an API key, which "Try it out" then sends. `/docs/` redirects here.',
    open: true,
    responses: { 200: { description: 'HTML page', contentType: 'text/html', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/docs/{file}',
    tag: 'Service',
    summary: "The reference page's script and style sheet",
    params: z.object({ file: z.enum(DOCS_ASSETS) }),
    open: true,
    responses: {
      200: { description: 'JavaScript or CSS', contentType: 'text/*', schema: z.string() },
      404: json('No such file', errorSchema),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Service',
    summary: 'Prometheus metrics',
    description:
      'Operations started and finished, items processed, activity durations and webhook attempts (this ' +
      'process), and operations per type and status (the store).',
    responses: {
      200: { description: 'Prometheus text format 0.0.4', contentType: 'text/plain', schema: z.string() },
      ...errors(),
    },
  },
];

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    // A whole-number query parameter is text on the wire but documented as the integer range it accepts.
    override: (ctx) => {
      const integer = queryIntegers.get(ctx.zodSchema);
      if (!integer) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
      Object.assign(ctx.jsonSchema, { type: 'integer', ...integer });
    },
  }) as JsonSchema;
  return rest;
}

function parameters(route: RouteDoc) {
  const out: Record<string, unknown>[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const s = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(s.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === 'path' || (s.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  for (const header of route.headers ?? []) {
    out.push({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: { type: 'string' },
    });
  }
  return out;
}

function operationObject(route: RouteDoc) {
  // Every body is bounded in time at the server (HINDSIGHT_BODY_TIMEOUT_MS, HINDSIGHT_BODY_MIN_BYTES_PER_SECOND).
  const documented =
    route.body || route.form
      ? { ...route.responses, 408: { description: ERROR_DESCRIPTIONS[408]!, schema: errorSchema } }
      : route.responses;
  const responses = Object.fromEntries(
    Object.entries(documented).map(([status, r]) => [
      status,
      {
        description: r.description,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.schema
          ? { content: { [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') } } }
          : {}),
      },
    ]),
  );
  const params = parameters(route);
  return {
    operationId: operationIdOf(route),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            // An empty body reads as {}: where that is valid, the body may be left out.
            required: !route.body.safeParse({}).success,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    ...(route.form
      ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: route.form } } } }
      : {}),
    responses,
    ...(route.open ? { security: [] } : {}),
  };
}

function operationIdOf(route: RouteDoc): string {
  const words = route.path
    .replace('/v1/default/banks/{bank_id}', '')
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith('{') ? `by_${part.slice(1, -1)}` : part.replace(/[^A-Za-z0-9]+/g, '_')));
  return [route.method, ...words].join('_');
}

const HINDSIGHT_DELIVERY_HEADERS = [
  'x-hindsight-event',
  'x-hindsight-event-id',
  'x-hindsight-delivery-id',
  'x-hindsight-signature',
  'x-hub-signature-256',
  'x-hindsight-signature-v2',
];

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operationObject(route);
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Hindsight (Temporal) API',
      version: '0.1.0',
      description:
        'Memory banks whose long-running operations (batch_retain, graph_update, regenerate_observations) run as ' +
        'durable Temporal workflows. Errors answer `{ "error": { "code", "message" } }`. ' +
        `Operation statuses: ${OPERATION_STATUSES.join(', ')}.`,
    },
    // No jsonSchemaDialect: the default (OpenAPI 3.1's own dialect of JSON Schema 2020-12) is what the schemas
    // are, and Swagger UI warns in red about any other value.
    servers: [{ url: '/' }],
    tags: [
      { name: 'Operations', description: 'Long-running work, each backed by one Temporal workflow' },
      { name: 'Banks' },
      { name: 'Memories' },
      { name: 'Documents', description: "A bank's memories retained under one document_id" },
      { name: 'Entities' },
      { name: 'Webhooks', description: 'Signed notifications when operations end' },
      { name: 'Service' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Required when the server sets HINDSIGHT_API_KEYS; a key may be limited to some banks.',
        },
      },
    },
    // Optional: a server without API keys accepts requests without one.
    security: [{ bearerAuth: [] }, {}],
    paths,
    webhooks: {
      operationEvent: {
        post: {
          summary: 'An operation ended (operation.completed, operation.failed, operation.cancelled)',
          description:
            'Sent at least once per (event, webhook), retried with exponential backoff for up to 24 hours. ' +
            'Deduplicate on `id` (also in `webhook-id`). Verify `webhook-signature` with the secret; a ' +
            'receiver written for Hindsight verifies its own headers (x-hindsight-signature: sha256=<hex HMAC ' +
            'of the body>, x-hindsight-signature-v2: t=<unix>,v1=<hex HMAC of "t.body">), sent too.',
          parameters: [
            { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' } },
            { name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string' } },
            { name: 'webhook-signature', in: 'header', required: true, schema: { type: 'string' } },
            ...HINDSIGHT_DELIVERY_HEADERS.map((name) => ({
              name,
              in: 'header',
              required: true,
              schema: { type: 'string' },
            })),
          ],
          requestBody: {
            content: { 'application/json': { schema: jsonSchema(webhookEventSchema, 'output') } },
          },
          responses: { '200': { description: 'Any 2xx acknowledges the event; anything else is retried' } },
        },
      },
    },
  };
  return cached;
}
