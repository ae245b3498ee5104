import type { LLMDelta } from '../../llm/llm-provider.js';
import type { ProviderRequestTiming } from '../call-session.js';

/**
 * The timing of one LLM request for its trace span: start, first token or tool call, end of
 * the stream, the vendor's request id and usage. Reported once, when the stream ended or — in
 * the same tick — when `signal` aborted it (a barge-in commits the turn right after the abort).
 */
export class LLMRequestRecord {
  readonly startedAt = performance.now();
  private firstAt: number | undefined;
  private requestId: string | undefined;
  private usage: Record<string, number> | undefined;
  outcome: ProviderRequestTiming['outcome'] = 'aborted';
  private ended = false;

  constructor(
    private readonly provider: string,
    private readonly report: ((request: ProviderRequestTiming) => void) | undefined,
    private readonly signal: AbortSignal,
  ) {
    if (report) signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => this.end();

  readonly onRequestId = (requestId: string): void => {
    this.requestId = requestId;
  };

  delta(delta: LLMDelta): void {
    if (this.firstAt === undefined && (delta.type === 'toolCall' || (delta.type === 'text' && delta.text !== ''))) this.firstAt = performance.now();
    if (delta.type !== 'usage') return;
    const usage = (this.usage ??= {});
    usage.inputTokens = (usage.inputTokens ?? 0) + delta.usage.inputTokens;
    usage.outputTokens = (usage.outputTokens ?? 0) + delta.usage.outputTokens;
    if (delta.usage.cachedInputTokens !== undefined) usage.cachedInputTokens = (usage.cachedInputTokens ?? 0) + delta.usage.cachedInputTokens;
  }

  end(): void {
    if (this.ended || !this.report) return;
    this.ended = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.report({
      kind: 'llm',
      provider: this.provider,
      startedAt: this.startedAt,
      ...(this.firstAt === undefined ? {} : { firstAt: this.firstAt }),
      endedAt: performance.now(),
      outcome: this.outcome,
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.usage === undefined ? {} : { usage: this.usage }),
    });
  }
}
