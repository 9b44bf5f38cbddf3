import type { z } from 'zod';
import type { ProviderEndpoint } from '../config.js';

/** Tokens a provider reports for one call. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** The two messages of a chat call: the instructions and the material. */
export interface ChatPrompt {
  system: string;
  user: string;
}

/** The provider asked us to slow down (HTTP 429); `retryAfterMs` comes from its Retry-After header. */
export class ProviderRateLimited extends Error {
  constructor(readonly retryAfterMs: number | undefined) {
    super(
      `model provider rate limited the call (429)${retryAfterMs ? `, retry after ${retryAfterMs} ms` : ''}`,
    );
  }
}

/** The provider failed or did not answer (5xx, timeout, connection refused): worth retrying. */
export class ProviderUnavailable extends Error {}

/** The provider refused the request itself (401, 404, 400 …): retrying the same call cannot help. */
export class ProviderRejected extends Error {}

/** The provider answered 200, but not with what was asked for; the answer's tokens were still spent. */
export class InvalidAnswer extends Error {
  constructor(
    message: string,
    readonly usage: Usage,
  ) {
    super(message);
  }
}

/** A chat answer as JSON that fits `schema` (named in the message); throws InvalidAnswer when it does not. */
export function parseAnswer<T>(content: string, usage: Usage, schema: z.ZodType<T>, name: string): T {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new InvalidAnswer(`model answer is not JSON: ${content.slice(0, 100)}`, usage);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidAnswer(
      `model answer does not fit the ${name} schema: ${issue?.path.join('.')} ${issue?.message}`,
      usage,
    );
  }
  return parsed.data;
}

/** Retry-After is either seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function usageOf(body: { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }): Usage {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { promptTokens: n(body.usage?.prompt_tokens), completionTokens: n(body.usage?.completion_tokens) };
}

async function post(
  endpoint: ProviderEndpoint,
  path: string,
  body: unknown,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${endpoint.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    text = await res.text();
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    if (timeout.aborted)
      throw new ProviderUnavailable(`model provider did not answer within ${timeoutMs} ms`);
    throw new ProviderUnavailable(`model provider unreachable: ${(err as Error).message}`);
  }
  if (res.status === 429) throw new ProviderRateLimited(retryAfterMs(res.headers.get('retry-after')));
  if (res.status >= 500)
    throw new ProviderUnavailable(`model provider answered ${res.status}: ${text.slice(0, 200)}`);
  if (res.status >= 400)
    throw new ProviderRejected(`model provider refused the call (${res.status}): ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A body that is not JSON at all carries no usage: treat it as a broken answer worth another try.
    throw new InvalidAnswer(`model provider answered with a body that is not JSON: ${text.slice(0, 100)}`, {
      promptTokens: 0,
      completionTokens: 0,
    });
  }
}

/** One chat completion asking for a JSON object; returns the assistant's text and the tokens it cost. */
export async function chatJson(
  endpoint: ProviderEndpoint,
  { system, user }: ChatPrompt,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ content: string; usage: Usage }> {
  const body = await post(
    endpoint,
    '/chat/completions',
    {
      model: endpoint.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      response_format: { type: 'json_object' },
      temperature: 0,
    },
    timeoutMs,
    signal,
  );
  const usage = usageOf(body);
  const content = (body.choices as { message?: { content?: unknown } }[] | undefined)?.[0]?.message?.content;
  if (typeof content !== 'string') throw new InvalidAnswer('model answer has no message content', usage);
  return { content, usage };
}

/** Embeddings for `inputs`, in their order, each scaled to unit length (so a dot product is the cosine). */
export async function embed(
  endpoint: ProviderEndpoint,
  inputs: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ vectors: number[][]; usage: Usage }> {
  const body = await post(
    endpoint,
    '/embeddings',
    { model: endpoint.model, input: inputs },
    timeoutMs,
    signal,
  );
  const usage = usageOf(body);
  const data = body.data as { index?: unknown; embedding?: unknown }[] | undefined;
  if (!Array.isArray(data) || data.length !== inputs.length) {
    throw new InvalidAnswer(
      `embeddings answer holds ${data?.length ?? 0} vectors for ${inputs.length} inputs`,
      usage,
    );
  }
  const vectors: number[][] = new Array(inputs.length);
  data.forEach((d, i) => {
    const index = typeof d.index === 'number' ? d.index : i;
    const v = d.embedding;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number')) {
      throw new InvalidAnswer('embeddings answer holds a vector that is not a list of numbers', usage);
    }
    vectors[index] = normalize(v as number[]);
  });
  return { vectors, usage };
}

export function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}
