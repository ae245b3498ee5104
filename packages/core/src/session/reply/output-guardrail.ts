import type { CallControl } from '../../call/call-control.js';
import type { Logger } from '../../log/logger.js';

/** What a guardrail sees: one sentence the agent is about to speak. */
export interface GuardrailContext {
  readonly call: CallControl;
  /** The reply so far, before this sentence. */
  readonly replySoFar: string;
  readonly signal: AbortSignal;
}

/**
 * An output filter run on every sentence before TTS: return the text unchanged to let it
 * through, a different string to rewrite it, or `null` to block it (nothing is spoken).
 */
export type OutputGuardrail = (
  sentence: string,
  context: GuardrailContext,
) => string | null | undefined | Promise<string | null | undefined>;

/**
 * Runs the guardrails in order; `undefined` from one means "unchanged". A throwing guardrail
 * blocks the sentence (fail closed) and is logged.
 */
export async function applyGuardrails(
  guardrails: readonly OutputGuardrail[],
  sentence: string,
  context: GuardrailContext,
  logger: Logger,
): Promise<string | null> {
  let text: string = sentence;
  for (const guardrail of guardrails) {
    try {
      const result = await guardrail(text, context);
      if (result === null) return null;
      if (result !== undefined) text = result;
    } catch (err) {
      logger.warn({ err, callId: context.call.callId }, 'output guardrail failed, sentence blocked');
      return null;
    }
  }
  return text.trim() === '' ? null : text;
}
