import { z } from 'zod';
import type { ProviderEndpoint } from '../config.js';
import { type ChatPrompt, chatJson, InvalidAnswer, parseAnswer, type Usage } from './provider.js';

const SYSTEM = `You answer a question from the memories of a memory store, and only from them.
You get the question, perhaps some context for it, and the memories that matched it, each with an id in
square brackets. Answer with one JSON object: {"text": string, "memory_ids": string[]}. "text" answers the
question in a few sentences, citing each memory it uses by its id in square brackets, like [id]; when the
memories do not answer the question, "text" says so. "memory_ids" lists the ids cited. Use only the given
memories and ids, invent nothing. Use no other keys.`;

const reflectAnswer = z.object({
  text: z.string().trim().min(1).max(20_000),
  memory_ids: z.array(z.string()),
});

export interface ReflectAnswer {
  text: string;
  memoryIds: string[];
}

/** The model's answer, which may cite only memories it was given; throws InvalidAnswer otherwise. */
export function parseReflectAnswer(content: string, usage: Usage, known: Set<string>): ReflectAnswer {
  const answer = parseAnswer(content, usage, reflectAnswer, 'reflect');
  const unknown = answer.memory_ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new InvalidAnswer(`model answer cites memories it was not given: ${unknown[0]}`, usage);
  return { text: answer.text, memoryIds: [...new Set(answer.memory_ids)] };
}

/** The chat messages that ask for an answer to `query` grounded in `memories` (ids and text). */
export function reflectPrompt(
  query: string,
  context: string | null | undefined,
  memories: { id: string; text: string }[],
): ChatPrompt {
  const lines = memories.map((m) => `[${m.id}] ${m.text}`).join('\n');
  return {
    system: SYSTEM,
    user: `Question: ${query}\n${context ? `\nContext: ${context}\n` : ''}\nMemories:\n${lines}`,
  };
}

/** Asks the chat model for a reflect answer (its reflectPrompt over `memories`). One call. */
export async function reflectWithModel(
  endpoint: ProviderEndpoint,
  prompt: ChatPrompt,
  memories: { id: string }[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ answer: ReflectAnswer; usage: Usage }> {
  const { content, usage } = await chatJson(endpoint, prompt, timeoutMs, signal);
  return { answer: parseReflectAnswer(content, usage, new Set(memories.map((m) => m.id))), usage };
}
