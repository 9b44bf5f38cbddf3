import type { z } from 'zod';
import { camelizeKeys, snakeizeKeys } from './case.js';
import {
  HindsightApiError,
  HindsightConnectionError,
  HindsightResponseValidationError,
  OperationCancelledError,
  OperationFailedError,
  OperationTimeoutError,
} from './errors.js';
import { type FetchLike, type QueryValue, sleep, Transport } from './http.js';
import {
  type CancelPendingResult,
  cancelPendingResultSchema,
  type DeleteOperationResult,
  deleteOperationResultSchema,
  type Entity,
  type EntityList,
  entityListSchema,
  entitySchema,
  fileRetainAnswerSchema,
  type Health,
  healthSchema,
  isTerminalStatus,
  type Memory,
  type MemoryLinks,
  type MemoryList,
  memoryLinksSchema,
  memoryListSchema,
  memorySchema,
  type Operation,
  type OperationStatus,
  type OperationType,
  operationListSchema,
  operationSchema,
  type RecallResult,
  type ReflectAnswer,
  type RetainResult,
  recallResultSchema,
  reflectAnswerSchema,
  retainResultSchema,
  retryResultSchema,
  type Webhook,
  type WebhookCreated,
  type WebhookDeliveryList,
  type WebhookEvent,
  type WebhookList,
  webhookCreatedSchema,
  webhookDeliveryListSchema,
  webhookListSchema,
  webhookSchema,
} from './schemas.js';
import { parseEventStream } from './sse.js';

export interface HindsightClientOptions {
  /** Defaults to HINDSIGHT_API_URL, then http://localhost:8888. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  fetch?: FetchLike;
  /** Retries of idempotent calls after 429, 5xx or a network error; defaults to 2. */
  maxRetries?: number;
  /** First retry delay; later ones double, capped at 8 s, with jitter. Defaults to 500 ms. */
  retryDelayMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface BankParams extends CallOptions {
  bankId: string;
}

export interface OperationParams extends BankParams {
  operationId: string;
}

export interface GetOperationParams extends OperationParams {
  /**
   * Hold the answer until the operation ends or this many seconds pass (at most 60), whichever is first. A
   * server without waits answers at once.
   */
  waitSeconds?: number;
}

/** The longest wait the server accepts on a GET of an operation. */
export const MAX_WAIT_SECONDS = 60;

export interface RetainItem {
  content: string;
  context?: string;
  /** When the content happened; a Date is sent as ISO 8601. */
  timestamp?: string | Date;
  documentId?: string;
  /** Free-form string pairs; keys are kept exactly as given. */
  metadata?: Record<string, string>;
  tags?: string[];
}

/** Either one `content` (with its optional fields) or a `contents` list. */
export interface RetainParams extends BankParams, Partial<RetainItem> {
  contents?: RetainItem[];
}

export interface RetainBatchParams extends BankParams {
  contents: RetainItem[];
}

/**
 * Labels on the operation a submit creates (`{ customer: 'acme' }`), returned with it and filtered on by
 * listOperations. The server takes at most 16 keys of 1 to 64 characters (letters, digits, `_`, `.`, `-`),
 * each value at most 256 characters; past that it answers 400 (BadRequestError).
 */
export type OperationMetadata = Record<string, string>;

export interface RetainBatchAsyncParams extends RetainBatchParams {
  /** Caller-chosen id; also makes the call safe to retry. */
  operationId?: string;
  metadata?: OperationMetadata;
}

export interface ListOperationsParams extends BankParams {
  status?: OperationStatus;
  type?: OperationType;
  /** Only operations whose labels include every one of these pairs (exact matches). */
  metadata?: OperationMetadata;
  limit?: number;
  offset?: number;
}

export interface WatchOperationParams extends OperationParams {
  /** Delay between polls when the server offers no event stream; defaults to 5000 ms. */
  pollIntervalMs?: number;
  /** `auto` (default) listens to the event stream and polls when it is missing or breaks. */
  transport?: 'auto' | 'events' | 'poll';
}

export interface WaitForOperationParams extends WatchOperationParams {
  /** Give up (the operation keeps running) after this long. */
  timeoutMs?: number;
  onProgress?: (operation: Operation) => void;
}

export interface RegenerateObservationsParams extends BankParams {
  entityIds?: string[];
  operationId?: string;
  metadata?: OperationMetadata;
}

export interface UpdateGraphParams extends BankParams {
  fullRebuild?: boolean;
  operationId?: string;
  metadata?: OperationMetadata;
}

export interface ListMemoriesParams extends BankParams {
  operationId?: string;
  documentId?: string;
  limit?: number;
  offset?: number;
}

export interface MemoryParams extends BankParams {
  memoryId: string;
}

export interface RecallParams extends BankParams {
  query: string;
  limit?: number;
}

/** One text file of an upload: its name (the document id unless `documentId` is given) and its text. */
export interface UploadFile {
  name: string;
  content: string | Blob;
  /** Defaults to text/plain. */
  type?: string;
  documentId?: string;
  context?: string;
  tags?: string[];
  metadata?: Record<string, string>;
}

export interface RetainFilesParams extends BankParams {
  files: UploadFile[];
}

export interface ReflectParams extends BankParams {
  query: string;
  /** More about the question, given to the model beside it. */
  context?: string;
  /** How many memories the answer may rest on: low 10, mid 25, high 50. */
  budget?: 'low' | 'mid' | 'high';
}

export interface ListEntitiesParams extends BankParams {
  limit?: number;
  offset?: number;
}

export interface EntityParams extends BankParams {
  entityId: string;
}

export interface ConfigureWebhookParams extends BankParams {
  url: string;
  events: WebhookEvent[];
  /** Only operations of these types are delivered (e.g. `['batch_retain']`); omitted: every type. */
  operationTypes?: OperationType[];
  secret?: string;
}

export interface WebhookParams extends BankParams {
  webhookId: string;
}

export interface ListWebhookDeliveriesParams extends WebhookParams {
  limit?: number;
  offset?: number;
}

export interface UpdateWebhookParams extends WebhookParams {
  url?: string;
  events?: WebhookEvent[];
  operationTypes?: OperationType[];
  secret?: string;
  enabled?: boolean;
}

/**
 * An array of operations (newest first) that also carries the page it came from, so the result
 * works with forEach/for-of like a plain list and still tells how many exist in total.
 */
export class OperationList extends Array<Operation> {
  bankId = '';
  /** Operations matching the filter across all pages. */
  total = 0;
  limit = 0;
  offset = 0;

  // map/filter/slice build plain arrays: their results are no longer the page described above.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

const rawResponses = new WeakMap<object, unknown>();

/**
 * The JSON body, exactly as the server sent it (snake_case), that a client result was built from.
 * Useful for logging or passing responses on unchanged.
 */
export function rawJson(result: object): unknown {
  return rawResponses.get(result);
}

export class HindsightClient {
  readonly baseUrl: string;
  private readonly transport: Transport;

  constructor(options: HindsightClientOptions = {}) {
    const fromEnv = typeof process === 'undefined' ? undefined : process.env.HINDSIGHT_API_URL;
    const baseUrl = options.baseUrl ?? (fromEnv || 'http://localhost:8888');
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.transport = new Transport({
      baseUrl,
      apiKey: options.apiKey,
      fetch: fetchImpl,
      maxRetries: Math.max(0, options.maxRetries ?? 2),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? 500),
    });
    this.baseUrl = this.transport.baseUrl;
  }

  // ---- retain ---------------------------------------------------------------------------------

  /** Synchronous retain of one content (or a small `contents` list); answers with the memory ids. */
  async retain(params: RetainParams): Promise<RetainResult> {
    const { bankId, contents, signal, ...item } = params;
    if ((contents === undefined) === (item.content === undefined)) {
      throw new TypeError('retain takes either content or contents');
    }
    const items = contents ?? [item as RetainItem];
    return this.retainBatch({ bankId, contents: items, signal });
  }

  /**
   * Synchronous retain of up to 100 items / 100 KB; larger batches answer PayloadTooLargeError. With a model
   * provider the server may answer with the operation instead, when it outlasts the server's wait: this
   * waits for it, so the answer is the memories either way (OperationFailedError if it failed).
   */
  async retainBatch(params: RetainBatchParams): Promise<RetainResult> {
    const answer = await this.call(retainResultSchema.or(operationSchema), {
      method: 'POST',
      path: `${bankPath(params.bankId)}/memories`,
      body: { items: params.contents.map(itemBody) },
      signal: params.signal,
      idempotent: false,
    });
    if (!('status' in answer)) return answer;
    const { bankId, operationId, result } = await this.waitForOperation({
      bankId: params.bankId,
      operationId: answer.operationId,
      signal: params.signal,
    });
    return {
      bankId,
      itemsCount: params.contents.length,
      memoryIds: result?.memoryIds ?? [],
      failedItems: result?.failedItems ?? [],
      operationId,
    };
  }

  /** Starts a batch_retain operation and answers at once with it (status pending or running). */
  async retainBatchAsync(params: RetainBatchAsyncParams): Promise<Operation> {
    return this.call(operationSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/memories`,
      body: {
        items: params.contents.map(itemBody),
        async: true,
        operation_id: params.operationId,
        metadata: params.metadata,
      },
      signal: params.signal,
      idempotent: params.operationId !== undefined,
    });
  }

  // ---- operations -----------------------------------------------------------------------------

  async getOperation(params: GetOperationParams): Promise<Operation> {
    const wait = params.waitSeconds;
    return this.call(operationSchema, {
      method: 'GET',
      path: operationPath(params),
      query:
        wait === undefined
          ? undefined
          : { wait: `${Math.round(Math.min(wait, MAX_WAIT_SECONDS) * 1000) / 1000}s` },
      signal: params.signal,
      idempotent: true,
    });
  }

  /** Newest first. The result is an array that also has `total`, `limit` and `offset`. */
  async listOperations(params: ListOperationsParams): Promise<OperationList> {
    const page = await this.call(operationListSchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/operations`,
      query: {
        status: params.status,
        type: params.type,
        limit: params.limit,
        offset: params.offset,
        ...metadataQuery(params.metadata),
      },
      signal: params.signal,
      idempotent: true,
    });
    const list = new OperationList();
    list.push(...page.operations);
    list.bankId = page.bankId;
    list.total = page.total;
    list.limit = page.limit;
    list.offset = page.offset;
    rawResponses.set(list, rawResponses.get(page));
    return list;
  }

  /**
   * Every matching operation across pages, newest first: `for await (const op of
   * client.iterateOperations({ bankId }))`. An operation seen on an earlier page is not yielded again when
   * newer ones push it onto the next.
   */
  async *iterateOperations(
    params: Omit<ListOperationsParams, 'limit' | 'offset'> & { pageSize?: number },
  ): AsyncGenerator<Operation, void, undefined> {
    const { pageSize = 100, ...filter } = params;
    const seen = new Set<string>();
    for (let offset = 0; ; ) {
      const page = await this.listOperations({ ...filter, limit: pageSize, offset });
      for (const operation of page) {
        if (seen.has(operation.operationId)) continue;
        seen.add(operation.operationId);
        yield operation;
      }
      offset += page.length;
      if (page.length === 0 || offset >= page.total) return;
    }
  }

  /**
   * Requests cancellation. The answer's status is `cancelled` once it stopped, or still
   * pending/running while it is stopping; ConflictError when it had already ended.
   */
  async cancelOperation(params: OperationParams): Promise<Operation> {
    return this.call(operationSchema, {
      method: 'DELETE',
      path: operationPath(params),
      signal: params.signal,
      idempotent: true,
    });
  }

  /**
   * Starts a new batch retain of the items an ended batch retain failed on (its `failedItems`); answers with
   * the new operation, whose `retryOf` names the old. ConflictError when the operation has not ended, has
   * no failed items, or was already retried (the message names the retry to retry instead).
   */
  async retryOperation(params: OperationParams): Promise<Operation> {
    const answer = await this.call(retryResultSchema, {
      method: 'POST',
      path: `${operationPath(params)}/retry`,
      signal: params.signal,
      // Sent twice, the second would be refused as already retried: never resent on its own.
      idempotent: false,
    });
    return answer.operation;
  }

  /**
   * Deletes the record of an ended operation (the memories it wrote stay); ConflictError for one that has
   * not ended: cancel it first.
   */
  async deleteOperation(params: OperationParams): Promise<DeleteOperationResult> {
    return this.call(deleteOperationResultSchema, {
      method: 'DELETE',
      path: `${operationPath(params)}/delete`,
      signal: params.signal,
      idempotent: false,
    });
  }

  /** Cancels every pending operation of the bank in one server-side step. */
  async cancelPendingOperations(params: BankParams): Promise<CancelPendingResult> {
    return this.call(cancelPendingResultSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/operations/cancel`,
      body: { status: 'pending' },
      signal: params.signal,
      // Cancelling what is pending twice cancels nothing new.
      idempotent: true,
    });
  }

  /**
   * Yields the operation each time it changes (or on each poll) and returns after yielding a
   * terminal state. Listens to the server's event stream and polls when it is unavailable.
   */
  async *watchOperation(params: WatchOperationParams): AsyncGenerator<Operation, void, undefined> {
    const transport = params.transport ?? 'auto';
    if (transport !== 'poll') {
      const outcome = yield* this.streamOperationEvents(params);
      if (outcome === 'terminal') return;
      if (outcome === 'unavailable' && transport === 'events') {
        throw new HindsightApiError({
          status: 404,
          code: 'not_found',
          message: 'the server offers no operation event stream',
          method: 'GET',
          url: this.transport.url(`${operationPath(params)}/events`),
        });
      }
    }
    const interval = params.pollIntervalMs ?? 5000;
    // The first GET answers at once; the next ones wait up to the interval on the server, which answers as
    // soon as the operation ends. A server that ignores the wait answers at once, and is asked again after
    // the rest of the interval, as plain polling would.
    let waitSeconds: number | undefined;
    for (;;) {
      const asked = Date.now();
      const operation = await this.getOperation({ ...params, waitSeconds });
      yield operation;
      if (isTerminalStatus(operation.status)) return;
      const left = waitSeconds === undefined ? 0 : interval - (Date.now() - asked);
      if (left > 0) await sleep(left, params.signal);
      waitSeconds = Math.min(interval / 1000, MAX_WAIT_SECONDS);
    }
  }

  /**
   * Resolves with the completed operation; throws OperationFailedError or OperationCancelledError
   * (both carry `.operation`) when it ended otherwise.
   */
  async waitForOperation(params: WaitForOperationParams): Promise<Operation> {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(params.signal?.reason);
    params.signal?.addEventListener('abort', forwardAbort, { once: true });
    if (params.signal?.aborted) forwardAbort();
    let timedOut = false;
    const timer =
      params.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort(new Error('timeout'));
          }, params.timeoutMs);
    let last: Operation | undefined;
    try {
      for await (const operation of this.watchOperation({ ...params, signal: controller.signal })) {
        last = operation;
        params.onProgress?.(operation);
        if (operation.status === 'completed') return operation;
        if (operation.status === 'failed') throw new OperationFailedError(operation);
        if (operation.status === 'cancelled') throw new OperationCancelledError(operation);
      }
      throw new Error(`watching operation ${params.operationId} ended without a final state`);
    } catch (error) {
      if (timedOut) throw new OperationTimeoutError(params.operationId, params.timeoutMs ?? 0, last);
      throw error;
    } finally {
      clearTimeout(timer);
      params.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  async regenerateObservations(params: RegenerateObservationsParams): Promise<Operation> {
    return this.call(operationSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/observations/regenerate`,
      body: { entity_ids: params.entityIds, operation_id: params.operationId, metadata: params.metadata },
      signal: params.signal,
      idempotent: params.operationId !== undefined,
    });
  }

  async updateGraph(params: UpdateGraphParams): Promise<Operation> {
    return this.call(operationSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/graph/update`,
      body: { full_rebuild: params.fullRebuild, operation_id: params.operationId, metadata: params.metadata },
      signal: params.signal,
      idempotent: params.operationId !== undefined,
    });
  }

  // ---- memories and entities ------------------------------------------------------------------

  async listMemories(params: ListMemoriesParams): Promise<MemoryList> {
    return this.call(memoryListSchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/memories`,
      query: {
        operation_id: params.operationId,
        document_id: params.documentId,
        limit: params.limit,
        offset: params.offset,
      },
      signal: params.signal,
      idempotent: true,
    });
  }

  async getMemory(params: MemoryParams): Promise<Memory> {
    return this.call(memorySchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/memories/${segment(params.memoryId)}`,
      signal: params.signal,
      idempotent: true,
    });
  }

  async getMemoryLinks(params: MemoryParams): Promise<MemoryLinks> {
    return this.call(memoryLinksSchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/memories/${segment(params.memoryId)}/links`,
      signal: params.signal,
      idempotent: true,
    });
  }

  async recall(params: RecallParams): Promise<RecallResult> {
    return this.call(recallResultSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/memories/recall`,
      body: { query: params.query, limit: params.limit },
      signal: params.signal,
      // Recall only reads.
      idempotent: true,
    });
  }

  /**
   * Uploads text files (POST /files/retain): each becomes one document of a single batch_retain, whose id
   * comes back; watch it with waitForOperation. Not retried: a second upload would retain them twice.
   */
  async retainFiles(params: RetainFilesParams): Promise<{ operationIds: string[] }> {
    const form = new FormData();
    for (const file of params.files) {
      form.append('files', new Blob([file.content], { type: file.type ?? 'text/plain' }), file.name);
    }
    const filesMetadata = params.files.map((f) =>
      dropUndefined({ document_id: f.documentId, context: f.context, tags: f.tags, metadata: f.metadata }),
    );
    form.append('request', JSON.stringify({ files_metadata: filesMetadata }));
    return this.call(fileRetainAnswerSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/files/retain`,
      body: form,
      signal: params.signal,
      idempotent: false,
    });
  }

  /**
   * An answer written by the server's chat model from the bank's memories, citing them. A server without a
   * model provider answers a ServerError with status 501 saying so; recall gives the memories themselves.
   */
  async reflect(params: ReflectParams): Promise<ReflectAnswer> {
    return this.call(reflectAnswerSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/reflect`,
      body: { query: params.query, context: params.context, budget: params.budget },
      signal: params.signal,
      // Reflect stores nothing: asking again writes nothing twice.
      idempotent: true,
    });
  }

  async listEntities(params: ListEntitiesParams): Promise<EntityList> {
    return this.call(entityListSchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/entities`,
      query: { limit: params.limit, offset: params.offset },
      signal: params.signal,
      idempotent: true,
    });
  }

  async getEntity(params: EntityParams): Promise<Entity> {
    return this.call(entitySchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/entities/${segment(params.entityId)}`,
      signal: params.signal,
      idempotent: true,
    });
  }

  // ---- webhooks -------------------------------------------------------------------------------

  /**
   * Subscribes a URL to operation events. Without `secret` the server generates one and returns it
   * in this response only: keep it to verify deliveries (see verifyWebhookSignature).
   */
  async configureWebhook(params: ConfigureWebhookParams): Promise<WebhookCreated> {
    return this.call(webhookCreatedSchema, {
      method: 'POST',
      path: `${bankPath(params.bankId)}/webhooks`,
      body: {
        url: params.url,
        events: params.events,
        operation_types: params.operationTypes,
        secret: params.secret,
      },
      signal: params.signal,
      idempotent: false,
    });
  }

  async listWebhooks(params: BankParams): Promise<WebhookList> {
    return this.call(webhookListSchema, {
      method: 'GET',
      path: `${bankPath(params.bankId)}/webhooks`,
      signal: params.signal,
      idempotent: true,
    });
  }

  async getWebhook(params: WebhookParams): Promise<Webhook> {
    return this.call(webhookSchema, {
      method: 'GET',
      path: webhookPath(params),
      signal: params.signal,
      idempotent: true,
    });
  }

  async updateWebhook(params: UpdateWebhookParams): Promise<Webhook> {
    return this.call(webhookSchema, {
      method: 'PATCH',
      path: webhookPath(params),
      body: {
        url: params.url,
        events: params.events,
        operation_types: params.operationTypes,
        secret: params.secret,
        enabled: params.enabled,
      },
      signal: params.signal,
      idempotent: false,
    });
  }

  async deleteWebhook(params: WebhookParams): Promise<void> {
    await this.transport.send({
      method: 'DELETE',
      path: webhookPath(params),
      signal: params.signal,
      idempotent: true,
      consume: async (response) => {
        await response.arrayBuffer();
      },
    });
  }

  /** The delivery log of a webhook, newest first: attempts, last answer and next retry of each event. */
  async listWebhookDeliveries(params: ListWebhookDeliveriesParams): Promise<WebhookDeliveryList> {
    return this.call(webhookDeliveryListSchema, {
      method: 'GET',
      path: `${webhookPath(params)}/deliveries`,
      query: { limit: params.limit, offset: params.offset },
      signal: params.signal,
      idempotent: true,
    });
  }

  async health(options: CallOptions = {}): Promise<Health> {
    return this.call(healthSchema, {
      method: 'GET',
      path: '/health',
      signal: options.signal,
      idempotent: true,
    });
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private async call<S extends z.ZodType>(schema: S, request: JsonRequest): Promise<z.infer<S>> {
    const raw = await this.transport.send({
      ...request,
      body: dropUndefined(request.body),
      consume: (response) => readJson(response, request.method),
    });
    return this.validate(schema, raw, request);
  }

  private validate<S extends z.ZodType>(schema: S, raw: unknown, request: JsonRequest): z.infer<S> {
    const parsed = schema.safeParse(camelizeKeys(raw));
    if (!parsed.success) {
      const details = parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`)
        .join('; ');
      throw new HindsightResponseValidationError({
        method: request.method,
        url: this.transport.url(request.path, request.query),
        body: raw,
        details,
      });
    }
    const data = parsed.data as z.infer<S>;
    if (data !== null && typeof data === 'object') rawResponses.set(data, raw);
    return data;
  }

  /**
   * Yields operation states from `GET .../events` until a terminal one. Returns how it ended so
   * the caller can fall back to polling: the endpoint missing, or the stream breaking early.
   */
  private async *streamOperationEvents(
    params: WatchOperationParams,
  ): AsyncGenerator<Operation, 'terminal' | 'unavailable' | 'broken', undefined> {
    const controller = new AbortController();
    const forwardAbort = () => controller.abort(params.signal?.reason);
    params.signal?.addEventListener('abort', forwardAbort, { once: true });
    if (params.signal?.aborted) forwardAbort();
    const request: JsonRequest = {
      method: 'GET',
      path: `${operationPath(params)}/events`,
      signal: controller.signal,
      idempotent: true,
    };
    try {
      let response: Response;
      try {
        response = await this.transport.send({
          ...request,
          headers: { accept: 'text/event-stream' },
          maxRetries: 0,
          consume: async (res) => res,
        });
      } catch (error) {
        if (params.signal?.aborted) throw error;
        if (error instanceof HindsightApiError && (error.status === 404 || error.status >= 500)) {
          return 'unavailable';
        }
        // This client holds as many streams as the server allows it: polling still works.
        if (error instanceof HindsightApiError && error.status === 429 && params.transport !== 'events') {
          return 'unavailable';
        }
        if (error instanceof HindsightConnectionError) return 'unavailable';
        throw error;
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.includes('text/event-stream') || !response.body) {
        await response.body?.cancel().catch(() => {});
        return 'unavailable';
      }
      try {
        for await (const event of parseEventStream(iterateBody(response.body))) {
          if (event.event !== 'operation') continue;
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            throw new HindsightResponseValidationError({
              method: 'GET',
              url: this.transport.url(request.path),
              body: event.data,
              details: 'event data is not JSON',
            });
          }
          const operation = this.validate(operationSchema, data, request);
          yield operation;
          if (isTerminalStatus(operation.status)) return 'terminal';
        }
      } catch (error) {
        if (params.signal?.aborted || error instanceof HindsightResponseValidationError) throw error;
        return 'broken';
      }
      return 'broken';
    } finally {
      params.signal?.removeEventListener('abort', forwardAbort);
      // Closes the stream when the consumer stopped early or the operation ended.
      controller.abort();
    }
  }
}

interface JsonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  idempotent: boolean;
}

async function readJson(response: Response, method: string): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new HindsightResponseValidationError({
      method,
      url: response.url,
      body: text,
      details: 'body is not JSON',
    });
  }
}

async function* iterateBody(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  // getReader works with any WHATWG stream, also those of fetch replacements without async iteration.
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function itemBody(item: RetainItem): unknown {
  const timestamp = item.timestamp instanceof Date ? item.timestamp.toISOString() : item.timestamp;
  return snakeizeKeys({ ...item, timestamp });
}

/** The list's label filter: one `metadata.<key>=<value>` query parameter per pair. */
function metadataQuery(metadata: OperationMetadata | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [`metadata.${key}`, value]));
}

function dropUndefined(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof FormData)
    return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function bankPath(bankId: string): string {
  return `/v1/default/banks/${segment(bankId)}`;
}

function operationPath(params: { bankId: string; operationId: string }): string {
  return `${bankPath(params.bankId)}/operations/${segment(params.operationId)}`;
}

function webhookPath(params: { bankId: string; webhookId: string }): string {
  return `${bankPath(params.bankId)}/webhooks/${segment(params.webhookId)}`;
}
