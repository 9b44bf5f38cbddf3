import type { Logger } from '../logger.js';
import type { Database } from '../store/db.js';
import { Budget } from './budget.js';
import type { Usage } from './provider.js';

/** About four characters a token: the usual rule for English text (and how the test provider counts). */
const estimateTokens = (texts: string[]) => texts.reduce((sum, t) => sum + Math.ceil(t.length / 4), 0);

/** One provider call: its model, the texts it sends, and the kind of answer it gets (null: none, embeddings). */
export interface TokenRequest {
  model: string;
  prompt: string[];
  answer: string | null;
}

/**
 * Tokens reserved for one call, settled once it is known what the call cost: the provider's count, nothing (it
 * refused the call), or unknown (a timeout, a broken connection: the estimate stands).
 */
export interface Reservation {
  settle(spent: Usage | 'nothing' | 'unknown'): Promise<void>;
}

/**
 * HINDSIGHT_MODEL_TOKENS_PER_MINUTE, one bucket per model. A call reserves its estimated tokens before it goes
 * and, once the provider has counted them, moves the bucket by what the estimate missed, so the bucket tracks
 * what the provider counted. Two seconds are left out of the minute: an estimate that falls short is only
 * corrected after its call.
 */
export class TokenBudget {
  private readonly budget: Budget;
  /** Answer tokens per prompt token, by model and kind of answer, learned from the provider's counts. */
  private readonly answerRatios = new Map<string, number>();

  constructor(db: Database, tokensPerMinute: number, callTimeoutMs: number, logger: Logger) {
    this.budget = new Budget(
      db,
      'HINDSIGHT_MODEL_TOKENS_PER_MINUTE',
      tokensPerMinute,
      2,
      callTimeoutMs,
      logger,
    );
  }

  /** Reserves the call's tokens and waits until they are there; must run inside a heartbeating activity. */
  async reserve(request: TokenRequest): Promise<Reservation> {
    const { model } = request;
    const promptTokens = estimateTokens(request.prompt);
    const answerKey = request.answer === null ? null : `${model}\n${request.answer}`;
    // A kind of answer not seen yet is guessed at half its prompt; what the provider counts corrects it.
    const ratio = answerKey === null ? 0 : (this.answerRatios.get(answerKey) ?? 0.5);
    const estimate = Math.max(1, promptTokens + Math.ceil(promptTokens * ratio));
    const taken = await this.budget.take(`tokens:${model}`, model, estimate);
    return {
      settle: async (spent) => {
        if (spent === 'nothing') return taken.adjust(-taken.amount);
        // A provider that reports no usage leaves the estimate standing too.
        if (spent === 'unknown' || spent.promptTokens + spent.completionTokens === 0) return;
        if (answerKey !== null && promptTokens > 0) {
          this.learnAnswerRatio(answerKey, spent.completionTokens / promptTokens);
        }
        await taken.adjust(spent.promptTokens + spent.completionTokens - estimate);
      },
    };
  }

  private learnAnswerRatio(key: string, seen: number): void {
    const known = this.answerRatios.get(key);
    this.answerRatios.set(key, known === undefined ? seen : 0.8 * known + 0.2 * seen);
  }
}
