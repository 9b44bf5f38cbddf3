import { ApplicationFailure } from '@temporalio/activity';
import type { ModelsConfig } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { Budget } from '../src/models/budget.js';
import { type CallDeps, countCall, providerCall } from '../src/models/calls.js';
import { extractFactsWithModel, factsPrompt } from '../src/models/facts.js';
import { MAX_OBSERVATION_SOURCES, observationPrompt, observeWithModel } from '../src/models/observation.js';
import { embed, InvalidAnswer, type Usage } from '../src/models/provider.js';
import { reflectPrompt, reflectWithModel } from '../src/models/reflect.js';
import { TokenBudget, type TokenRequest } from '../src/models/token-budget.js';
import type { Database } from '../src/store/db.js';
import { entityName, newestMemoriesOfEntity } from '../src/store/entities.js';
import { memoriesToEmbed, writeEmbeddings } from '../src/store/memories.js';
import { addUsage, countInvalidAnswer, getAnswer, saveAnswer } from '../src/store/model-answers.js';
import { loadUnprocessed } from '../src/store/retain-items.js';
import { INVALID_MODEL_ANSWER, type ReflectMemory, type ReflectOutcome } from '../workflows/definitions.js';

/** Answers that do not validate are asked for again this often, then the item fails with the reason. */
export const MAX_INVALID_ANSWERS = 3;
/** Memories embedded per provider call. */
const EMBED_BATCH = 64;

export const factsStep = (itemIndex: number) => `facts:${itemIndex}`;
export const observationStep = (entityId: string) => `observation:${entityId}`;

interface ModelDeps {
  db: Database;
  models: ModelsConfig;
  logger: Logger;
}

/**
 * An answer that did not validate: its cost is stored, and the step either asks again (a retryable failure)
 * or, after MAX_INVALID_ANSWERS, stores the reason so the item lands in failed_items.
 */
async function handleInvalid(
  deps: ModelDeps,
  model: string,
  operationId: string,
  step: string,
  err: InvalidAnswer,
): Promise<void> {
  countCall(model, 'invalid_answer', err.usage);
  const tries = await deps.db.transaction(async (tx) => {
    await addUsage(tx, operationId, model, err.usage);
    const n = await countInvalidAnswer(tx, operationId, step);
    if (n >= MAX_INVALID_ANSWERS) {
      await saveAnswer(tx, operationId, step, {
        error: `the model's answer did not validate ${n} times; last: ${err.message}`,
      });
    }
    return n;
  });
  if (tries < MAX_INVALID_ANSWERS) {
    deps.logger.warn({ model, operationId, step, tries }, err.message);
    throw ApplicationFailure.retryable(err.message, INVALID_MODEL_ANSWER);
  }
}

export function createModelActivities(deps: ModelDeps) {
  const { db, models } = deps;
  const calls: CallDeps = {
    logger: deps.logger,
    // Counted exactly, so one second covers requests that reach the provider a little late.
    requests: models.requestsPerMinute
      ? new Budget(
          db,
          'HINDSIGHT_MODEL_REQUESTS_PER_MINUTE',
          models.requestsPerMinute,
          1,
          models.callTimeoutMs,
          deps.logger,
        )
      : undefined,
    tokens: models.tokensPerMinute
      ? new TokenBudget(db, models.tokensPerMinute, models.callTimeoutMs, deps.logger)
      : undefined,
  };

  /** Whether the step's answer, or the reason it failed for good, is stored: it was paid for already. */
  const answered = async (operationId: string, step: string): Promise<boolean> => {
    const stored = await getAnswer(db, operationId, step);
    return stored !== undefined && (stored.answer !== null || stored.error !== null);
  };

  /**
   * Asks the model for one step of an operation and stores its answer with its cost before the activity
   * completes; an answer that does not validate goes to handleInvalid.
   */
  const askAndStore = async <T extends { usage: Usage }>(
    operationId: string,
    step: string,
    request: TokenRequest,
    ask: (signal: AbortSignal) => Promise<T>,
    answerOf: (result: T) => unknown,
  ): Promise<void> => {
    try {
      const result = await providerCall(calls, request, ask);
      countCall(request.model, 'ok', result.usage);
      await db.transaction(async (tx) => {
        await addUsage(tx, operationId, request.model, result.usage);
        await saveAnswer(tx, operationId, step, { answer: answerOf(result) });
      });
    } catch (err) {
      if (err instanceof InvalidAnswer) return handleInvalid(deps, request.model, operationId, step, err);
      throw err;
    }
  };

  return {
    /** Facts of one document from the chat model, stored before the activity completes. */
    extractFactsWithModel: async (input: { operationId: string; itemIndex: number }): Promise<void> => {
      const chat = models.chat;
      if (!chat) throw ApplicationFailure.nonRetryable('no chat model is configured on this worker');
      const step = factsStep(input.itemIndex);
      if (await answered(input.operationId, step)) return;
      const [item] = await loadUnprocessed(db, input.operationId, input.itemIndex, input.itemIndex + 1);
      if (!item) return; // retained already
      const prompt = factsPrompt(item);
      await askAndStore(
        input.operationId,
        step,
        { model: chat.model, prompt: [prompt.system, prompt.user], answer: 'facts' },
        (signal) => extractFactsWithModel(chat, prompt, models.callTimeoutMs, signal),
        (result) => result.facts,
      );
    },

    /** One entity's observation from the chat model, stored before the activity completes. */
    observeEntityWithModel: async (input: { operationId: string; entityId: string }): Promise<void> => {
      const chat = models.chat;
      if (!chat) throw ApplicationFailure.nonRetryable('no chat model is configured on this worker');
      const step = observationStep(input.entityId);
      if (await answered(input.operationId, step)) return;
      const name = await entityName(db, input.entityId);
      const memories = await newestMemoriesOfEntity(db, input.entityId, MAX_OBSERVATION_SOURCES);
      if (name === undefined || memories.length === 0) return; // nothing to summarise: the observation goes away
      const prompt = observationPrompt({ name }, memories);
      await askAndStore(
        input.operationId,
        step,
        { model: chat.model, prompt: [prompt.system, prompt.user], answer: 'observation' },
        (signal) => observeWithModel(chat, prompt, memories, models.callTimeoutMs, signal),
        (result) => result.observation,
      );
    },

    /**
     * A reflect answer from the chat model, grounded in `memories`, through the same quotas as retain's calls.
     * Nothing is stored: the answer goes back to the request that waits for it. An answer that does not
     * validate is asked for again (the retry policy bounds how often).
     */
    answerReflect: async (input: {
      query: string;
      context?: string | null;
      memories: ReflectMemory[];
    }): Promise<ReflectOutcome> => {
      const chat = models.chat;
      if (!chat) throw ApplicationFailure.nonRetryable('no chat model is configured on this worker');
      const prompt = reflectPrompt(input.query, input.context, input.memories);
      try {
        const { answer, usage } = await providerCall(
          calls,
          { model: chat.model, prompt: [prompt.system, prompt.user], answer: 'reflect' },
          (signal) => reflectWithModel(chat, prompt, input.memories, models.callTimeoutMs, signal),
        );
        countCall(chat.model, 'ok', usage);
        const total = usage.promptTokens + usage.completionTokens;
        return {
          text: answer.text,
          memories: input.memories,
          usage: {
            input_tokens: usage.promptTokens,
            output_tokens: usage.completionTokens,
            total_tokens: total,
          },
        };
      } catch (err) {
        if (!(err instanceof InvalidAnswer)) throw err;
        countCall(chat.model, 'invalid_answer', err.usage);
        deps.logger.warn({ model: chat.model }, err.message);
        throw ApplicationFailure.retryable(err.message, INVALID_MODEL_ANSWER);
      }
    },

    /**
     * Embeds the next memories of items [start, end) that have none yet, one provider call; the vectors are
     * written before the activity completes. Returns whether more remain.
     */
    embedMemories: async (input: {
      operationId: string;
      start: number;
      end: number;
    }): Promise<{ more: boolean }> => {
      const endpoint = models.embeddings;
      if (!endpoint) throw ApplicationFailure.nonRetryable('no embedding model is configured on this worker');
      const rows = await memoriesToEmbed(db, input.operationId, input.start, input.end, EMBED_BATCH);
      if (rows.length === 0) return { more: false };
      try {
        const texts = rows.map((r) => r.text);
        const { vectors, usage } = await providerCall(
          calls,
          { model: endpoint.model, prompt: texts, answer: null },
          (signal) => embed(endpoint, texts, models.callTimeoutMs, signal),
        );
        countCall(endpoint.model, 'ok', usage);
        await db.transaction(async (tx) => {
          await addUsage(tx, input.operationId, endpoint.model, usage);
          await writeEmbeddings(
            tx,
            rows.map((r, i) => ({ id: r.id, vector: vectors[i]! })),
          );
        });
      } catch (err) {
        if (!(err instanceof InvalidAnswer)) throw err;
        countCall(endpoint.model, 'invalid_answer', err.usage);
        await addUsage(db, input.operationId, endpoint.model, err.usage);
        throw ApplicationFailure.retryable(err.message, INVALID_MODEL_ANSWER);
      }
      return { more: rows.length === EMBED_BATCH };
    },
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
