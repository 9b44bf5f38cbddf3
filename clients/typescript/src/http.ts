import { apiErrorFor, type HindsightApiError, HindsightConnectionError } from './errors.js';

export type FetchLike = typeof fetch;
export type QueryValue = string | number | boolean | undefined | null;

export interface SendOptions<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with '/'. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** Sent as JSON when defined, or as multipart/form-data when a FormData. */
  body?: unknown;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** Whether repeating the request cannot apply it twice; only those are retried. */
  idempotent: boolean;
  /** Overrides the client's maxRetries for this call. */
  maxRetries?: number | undefined;
  /** Reads a successful response; runs inside the retry loop so a body cut short is retried too. */
  consume: (response: Response) => Promise<T>;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchLike;
  maxRetries: number;
  retryDelayMs: number;
}

const MAX_RETRY_DELAY_MS = 8_000;

export class Transport {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch;
    this.maxRetries = options.maxRetries;
    this.retryDelayMs = options.retryDelayMs;
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  async send<T>(options: SendOptions<T>): Promise<T> {
    const url = this.url(options.path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    // A FormData body goes as multipart/form-data, with the boundary fetch writes into its content type.
    const form = options.body instanceof FormData ? options.body : undefined;
    if (options.body !== undefined && !form) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const body = form ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const maxRetries = options.idempotent ? (options.maxRetries ?? this.maxRetries) : 0;

    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: options.method,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (attempt < maxRetries) {
          await sleep(this.backoff(attempt), options.signal);
          continue;
        }
        throw new HindsightConnectionError(this.baseUrl, error);
      }

      if (response.ok) {
        try {
          return await options.consume(response);
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason ?? error;
          if (!isNetworkError(error)) throw error;
          if (attempt < maxRetries) {
            await sleep(this.backoff(attempt), options.signal);
            continue;
          }
          throw new HindsightConnectionError(this.baseUrl, error);
        }
      }

      const apiError = await readApiError(response, options.method, url);
      // 501: a feature the server does not serve; asking again cannot change that.
      const retryable = apiError.status === 429 || (apiError.status >= 500 && apiError.status !== 501);
      if (retryable && attempt < maxRetries) {
        await sleep(apiError.retryAfterMs ?? this.backoff(attempt), options.signal);
        continue;
      }
      throw apiError;
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** attempt);
    // Jitter spreads out clients that failed together so they do not retry in lockstep.
    return ceiling * (0.5 + Math.random() * 0.5);
  }
}

async function readApiError(response: Response, method: string, url: string): Promise<HindsightApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone still says what happened.
  }
  let code = 'unknown';
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    if (text.trim()) message = `${message}: ${text.trim().slice(0, 200)}`;
  }
  return apiErrorFor({
    status: response.status,
    code,
    message,
    method,
    url,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.min(Number(value) * 1000, 60_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 60_000));
}

function isNetworkError(error: unknown): boolean {
  // undici reports a connection dropped mid-body as TypeError('terminated') or a socket error.
  return error instanceof TypeError;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
