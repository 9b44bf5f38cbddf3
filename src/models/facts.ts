import { z } from 'zod';
import type { ProviderEndpoint } from '../config.js';
import type { ExtractedDocument } from '../domain/extract.js';
import { normalizeKey } from '../domain/text.js';
import { type ChatPrompt, chatJson, parseAnswer, type Usage } from './provider.js';

const SYSTEM = `You extract facts from a document for a memory store.
Answer with one JSON object: {"facts": [{"text": string, "entities": [{"name": string, "kind": "person" | "place" | "organization" | "thing"}], "occurred_at": string | null}]}.
Each fact is one self-contained statement in plain English that names who or what it is about.
"entities" lists the people, places, organizations and things the fact names. "occurred_at" is an ISO 8601
date or date-time when the document says when the fact happened, else null. Use no other keys.`;

const factsAnswer = z.object({
  facts: z.array(
    z.object({
      text: z.string().trim().min(1),
      entities: z
        .array(
          z.object({
            name: z.string().trim().min(1),
            kind: z.enum(['person', 'place', 'organization', 'thing']).catch('thing'),
          }),
        )
        .default([]),
      occurred_at: z.iso
        .date()
        .or(z.iso.datetime({ offset: true }))
        .nullish()
        .catch(null),
    }),
  ),
});

export interface ModelFacts extends ExtractedDocument {
  /** Per fact: when it happened, if the document says so. */
  occurredAt: (string | null)[];
}

/** Parses and validates a chat answer; throws InvalidAnswer (with the tokens spent) when it does not fit. */
export function parseFactsAnswer(content: string, usage: Usage): ModelFacts {
  const answer = parseAnswer(content, usage, factsAnswer, 'facts');
  const facts = answer.facts.map((f) => ({
    text: f.text,
    entities: f.entities.map((e) => ({ name: e.name, normalized: normalizeKey(e.name), kind: e.kind })),
  }));
  return { facts, occurredAt: answer.facts.map((f) => f.occurred_at ?? null) };
}

/** The chat messages that ask for a document's facts. */
export function factsPrompt(document: { content: string; context: string | null }): ChatPrompt {
  const user = document.context
    ? `Context: ${document.context}\n\nDocument:\n${document.content}`
    : document.content;
  return { system: SYSTEM, user };
}

/** Asks the chat model for a document's facts (its factsPrompt). One call; the caller decides about retries. */
export async function extractFactsWithModel(
  endpoint: ProviderEndpoint,
  prompt: ChatPrompt,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ facts: ModelFacts; usage: Usage }> {
  const { content, usage } = await chatJson(endpoint, prompt, timeoutMs, signal);
  return { facts: parseFactsAnswer(content, usage), usage };
}
