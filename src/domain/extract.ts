import { type ExtractedEntity, type RecognizedEntity, recognizeEntities } from './entities.js';
import { groupSentences } from './facts.js';
import { sentenceText, splitSentenceTerms, tagSentences } from './nlp.js';
import { containsKey, keyHaystack, unwrapLines } from './text.js';

export type { EntityKind, ExtractedEntity } from './entities.js';

export interface ExtractedFact {
  text: string;
  entities: ExtractedEntity[];
}

export interface ExtractedDocument {
  facts: ExtractedFact[];
}

function toExtracted(entity: RecognizedEntity): ExtractedEntity {
  return { name: entity.name, normalized: entity.normalized, kind: entity.kind };
}

/** A document's facts: its sentences, fragments merged and neighbours grouped up to ~400 characters. */
export function extractFacts(text: string): string[] {
  return groupSentences(splitSentenceTerms(unwrapLines(text)).map(sentenceText));
}

export function extractEntities(text: string): ExtractedEntity[] {
  return recognizeEntities(tagSentences(unwrapLines(text))).map(toExtracted);
}

/**
 * Facts and the entities each one mentions, from a single parse of the document. An entity found
 * anywhere in the document belongs to every fact that names it, also where the tagger missed it.
 */
export function extractDocument(text: string): ExtractedDocument {
  const sentences = tagSentences(unwrapLines(text));
  const entities = recognizeEntities(sentences);
  const facts = groupSentences(sentences.map(sentenceText)).map((fact) => {
    const haystack = keyHaystack(fact);
    return {
      text: fact,
      entities: entities.filter((e) => e.keys.some((k) => containsKey(haystack, k))).map(toExtracted),
    };
  });
  return { facts };
}
