import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * An OpenAI-compatible chat and embeddings server on loopback, for tests and the bench. Its answers are
 * deterministic: a document's facts are its sentences, their entities the capitalised words; an embedding
 * is a bag of concepts (words with the same meaning share a concept). Faults are scripted: latency, 429 with
 * Retry-After, 5xx, hangs, malformed JSON; and per-minute quotas of requests and of tokens it enforces and
 * counts. A token is four characters of text, counted over every message and the answer.
 */
export type Fault = 'ok' | '429' | '500' | 'hang' | 'malformed';

export interface FakeProviderOptions {
  /** Each answer takes this long (uniform between the two). */
  latencyMs?: [number, number];
  /** Requests allowed in any window (60 s unless `windowMs`); more get 429 with a Retry-After, counted as over quota. */
  requestsPerMinute?: number;
  /**
   * Tokens (prompt and answer) allowed in any window; a request that would go over gets 429 with a Retry-After,
   * and its tokens are counted as over quota. The tokens count when the request arrives.
   */
  tokensPerMinute?: number;
  /** The quotas' window; tests shorten it to see the limits work in seconds. */
  windowMs?: number;
  /** Seconds sent in Retry-After for scripted 429s. */
  retryAfterSeconds?: number;
}

export interface FakeProvider {
  url: string;
  options: FakeProviderOptions;
  /** How every request was answered, in order. */
  log: {
    path: string;
    outcome: Fault | 'over_quota' | 'over_token_quota';
    at: number;
    content?: string;
    /** Prompt and answer tokens of an answered call, or of one refused for the token quota. */
    tokens?: number;
  }[];
  /** Requests the server is holding open right now (hanging or waiting out latency), or those whose text has `match`. */
  open(match?: string): number;
  /** The next requests (those whose text contains `match`, when given) get these faults, one each. */
  script(faults: Fault[], match?: string): void;
  /** What requests get once the script is used up (default 'ok'). */
  setFallback(fault: Fault): void;
  /** Documents whose facts request always answers malformed JSON. */
  poison(match: string): void;
  /** Documents matching `match` are answered well again. */
  cure(match: string): void;
  /** Calls answered 200 with a valid answer, by path. */
  answered(path?: string): number;
  /** Requests refused for the request quota. */
  overQuota(): number;
  /** Requests refused for the token quota, and the tokens they asked for. */
  overTokenQuota(): { requests: number; tokens: number };
  close(): Promise<void>;
}

// A small thesaurus: words that mean the same thing embed to the same concept.
const CONCEPTS: Record<string, string> = {
  car: 'vehicle',
  cars: 'vehicle',
  automobile: 'vehicle',
  automobiles: 'vehicle',
  vehicle: 'vehicle',
  physician: 'doctor',
  doctor: 'doctor',
  medic: 'doctor',
  feline: 'cat',
  cat: 'cat',
  kitten: 'cat',
};
const DIMENSIONS = 64;

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (word.length < 3) continue;
    v[hash(CONCEPTS[word] ?? word) % DIMENSIONS]! += 1;
  }
  return v;
}

/** A four-digit year in the sentence, as the first day of that year. */
function yearOf(text: string): string | null {
  const year = text.match(/\b(1[5-9]|20)\d\d\b/)?.[0];
  return year ? `${year}-01-01` : null;
}

export function fakeFacts(content: string) {
  const sentences = content
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    facts: sentences.map((text) => ({
      text,
      entities: [...new Set(text.match(/\b[A-Z][a-z]+(?: [A-Z][a-z]+)*/g) ?? [])]
        .filter((name) => name.length > 2)
        .map((name) => ({ name, kind: 'thing' })),
      occurred_at: yearOf(text),
    })),
  };
}

/** An observation request lists `[id] text` lines: the summary cites them all. */
export function fakeObservation(content: string) {
  const name = content.match(/^Entity: (.*)$/m)?.[1] ?? '';
  const sources = [...content.matchAll(/^\[([^\]]+)\] (.*)$/gm)];
  return {
    text: `Summary of ${name}: ${sources.map((m) => m[2]).join(' ')}`,
    memory_ids: sources.map((m) => m[1]),
  };
}

/** A reflect request lists `[id] text` lines after its question: the answer quotes and cites them all. */
export function fakeReflectAnswer(content: string) {
  const question = content.match(/^Question: (.*)$/m)?.[1] ?? '';
  const sources = [...content.matchAll(/^\[([^\]]+)\] (.*)$/gm)];
  return {
    text: `To "${question}": ${sources.map((m) => `${m[2]} [${m[1]}]`).join(' ')}`,
    memory_ids: sources.map((m) => m[1]),
  };
}

const tokens = (text: string) => Math.ceil(text.length / 4);

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const log: FakeProvider['log'] = [];
  const accepted: number[] = [];
  const poisoned: string[] = [];
  let scripted: Fault[] = [];
  let scriptMatch: string | undefined;
  let fallback: Fault = 'ok';
  const openTexts = new Map<ServerResponse, string>();
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

  /** Tokens answered within the token quota's window, oldest first. */
  const spent: { at: number; tokens: number }[] = [];
  /** Undefined when `count` more tokens fit in the token quota's window now; else the seconds until they would. */
  const tokenQuotaWait = (now: number, count: number): number | undefined => {
    const quota = options.tokensPerMinute;
    if (quota === undefined || count === 0) return undefined;
    const windowMs = options.windowMs ?? 60_000;
    while (spent.length > 0 && spent[0]!.at <= now - windowMs) spent.shift();
    let inWindow = spent.reduce((sum, e) => sum + e.tokens, 0);
    if (inWindow + count <= quota) return undefined;
    for (const e of spent) {
      inWindow -= e.tokens;
      if (inWindow + count <= quota) return Math.max(1, Math.ceil((e.at + windowMs - now) / 1000));
    }
    return Math.ceil(windowMs / 1000);
  };

  /** The 200 answer to a request, and the tokens it costs. */
  const answer = (path: string, body: any, fault: Fault): { tokens: number; json: unknown } => {
    if (path === '/embeddings') {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const data = inputs.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: fakeEmbedding(text),
      }));
      const used = inputs.reduce((s, t) => s + tokens(t), 0);
      return {
        tokens: used,
        json: { data, model: body.model, usage: { prompt_tokens: used, total_tokens: used } },
      };
    }
    const messages: { content?: string }[] = body.messages ?? [];
    const content = messages.at(-1)?.content;
    const text =
      fault === 'malformed'
        ? '{"facts": [{"text": 42'
        : JSON.stringify(
            content?.startsWith('Entity: ')
              ? fakeObservation(content)
              : content?.startsWith('Question: ')
                ? fakeReflectAnswer(content)
                : fakeFacts(content ?? ''),
          );
    const usage = {
      prompt_tokens: messages.reduce((s, m) => s + tokens(m.content ?? ''), 0),
      completion_tokens: tokens(text),
    };
    const total = usage.prompt_tokens + usage.completion_tokens;
    return {
      tokens: total,
      json: {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { ...usage, total_tokens: total },
      },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').replace(/^\/v1/, '');
    const body = await readBody(req);
    const now = Date.now();
    const quota = options.requestsPerMinute;
    if (quota !== undefined) {
      const windowMs = options.windowMs ?? 60_000;
      while (accepted.length > 0 && accepted[0]! <= now - windowMs) accepted.shift();
      if (accepted.length >= quota) {
        log.push({ path, outcome: 'over_quota', at: now });
        const wait = Math.max(1, Math.ceil((accepted[0]! + windowMs - now) / 1000));
        return send(res, 429, '{"error":{"message":"quota exceeded"}}', { 'retry-after': String(wait) });
      }
      accepted.push(now);
    }
    const content: string | undefined = body.messages?.at(-1)?.content;
    if (openTexts.has(res)) openTexts.set(res, content ?? '');
    const scriptApplies = scriptMatch === undefined || (content?.includes(scriptMatch) ?? false);
    const scriptedFault = scriptApplies ? scripted.shift() : undefined;
    let fault = scriptedFault ?? fallback;
    if (fault === 'ok' && content && poisoned.some((p) => content.includes(p))) fault = 'malformed';
    const reply = fault === 'ok' || fault === 'malformed' ? answer(path, body, fault) : undefined;
    const tokenWait = tokenQuotaWait(now, reply?.tokens ?? 0);
    if (tokenWait !== undefined) {
      if (scriptedFault) scripted.unshift(scriptedFault);
      log.push({ path, outcome: 'over_token_quota', at: now, tokens: reply!.tokens });
      return send(res, 429, '{"error":{"message":"token quota exceeded"}}', {
        'retry-after': String(tokenWait),
      });
    }
    if (reply) spent.push({ at: now, tokens: reply.tokens });
    log.push({
      path,
      outcome: fault,
      at: now,
      ...(content ? { content } : {}),
      ...(reply ? { tokens: reply.tokens } : {}),
    });
    if (fault === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const [min, max] = options.latencyMs ?? [0, 0];
    if (max > 0) await new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
    if (fault === '429') {
      return send(res, 429, '{"error":{"message":"slow down"}}', {
        'retry-after': String(options.retryAfterSeconds ?? 1),
      });
    }
    if (fault === '500') return send(res, 500, '{"error":{"message":"internal error"}}');
    send(res, 200, JSON.stringify(reply!.json));
  };

  const server: Server = createServer((req, res) => {
    openTexts.set(res, '');
    res.on('close', () => openTexts.delete(res));
    handle(req, res).catch((err) => send(res, 500, JSON.stringify({ error: { message: String(err) } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    options,
    log,
    open: (match) =>
      [...openTexts.values()].filter((text) => match === undefined || text.includes(match)).length,
    script: (faults, match) => {
      scripted = [...faults];
      scriptMatch = match;
    },
    setFallback: (fault) => {
      fallback = fault;
    },
    poison: (match) => {
      poisoned.push(match);
    },
    cure: (match) => {
      poisoned.splice(0, poisoned.length, ...poisoned.filter((p) => p !== match));
    },
    answered: (path) =>
      log.filter((e) => (e.outcome === 'ok' || e.outcome === 'malformed') && (!path || e.path === path))
        .length,
    overQuota: () => log.filter((e) => e.outcome === 'over_quota').length,
    overTokenQuota: () => {
      const refused = log.filter((e) => e.outcome === 'over_token_quota');
      return { requests: refused.length, tokens: refused.reduce((s, e) => s + (e.tokens ?? 0), 0) };
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The service's environment for a fake provider (chat and embeddings from the same server). */
export function providerEnv(
  provider: FakeProvider,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    HINDSIGHT_API_LLM_PROVIDER: 'openai',
    HINDSIGHT_API_LLM_BASE_URL: provider.url,
    HINDSIGHT_API_LLM_API_KEY: 'test-key',
    HINDSIGHT_API_LLM_MODEL: 'fake-chat',
    HINDSIGHT_API_EMBEDDINGS_PROVIDER: 'openai',
    HINDSIGHT_API_EMBEDDINGS_OPENAI_MODEL: 'fake-embed',
    ...extra,
  };
}
