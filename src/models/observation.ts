import { z } from 'zod';
import type { ProviderEndpoint } from '../config.js';
import type { Observation } from '../domain/observations.js';
import { type ChatPrompt, chatJson, InvalidAnswer, parseAnswer, type Usage } from './provider.js';

/** Memories shown to the model per entity: the most recent ones, which a summary should reflect. */
export const MAX_OBSERVATION_SOURCES = 40;

const SYSTEM = `You summarise what a memory store knows about one entity.
You get the entity's name and its memories, each with an id. Answer with one JSON object:
{"text": string, "memory_ids": string[]}. "text" is a short summary (at most five sentences) of what the
memories say about the entity; "memory_ids" lists the ids of the memories the summary rests on. Use only the
given memories and ids. Use no other keys.`;

const observationAnswer = z.object({
  text: z.string().trim().min(1).max(4000),
  memory_ids: z.array(z.string()).min(1),
});

export function parseObservationAnswer(content: string, usage: Usage, known: Set<string>): Observation {
  const answer = parseAnswer(content, usage, observationAnswer, 'observation');
  const unknown = answer.memory_ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new InvalidAnswer(`model answer cites memories it was not given: ${unknown[0]}`, usage);
  return { text: answer.text, memoryIds: [...new Set(answer.memory_ids)].sort() };
}

/** The chat messages that ask for an entity's observation from its memories. */
export function observationPrompt(
  entity: { name: string },
  memories: { id: string; text: string }[],
): ChatPrompt {
  return {
    system: SYSTEM,
    user: `Entity: ${entity.name}\n\nMemories:\n${memories.map((m) => `[${m.id}] ${m.text}`).join('\n')}`,
  };
}

/** Asks the chat model for an entity's observation (its observationPrompt over `memories`). One call. */
export async function observeWithModel(
  endpoint: ProviderEndpoint,
  prompt: ChatPrompt,
  memories: { id: string }[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ observation: Observation; usage: Usage }> {
  const { content, usage } = await chatJson(endpoint, prompt, timeoutMs, signal);
  return {
    observation: parseObservationAnswer(content, usage, new Set(memories.map((m) => m.id))),
    usage,
  };
}
