import type { ProviderRequestTiming, TurnMetrics } from '../call-session.js';

type Stage =
  | 'speechEnd'
  | 'sttFinal'
  | 'llmRequest'
  | 'llmFirstToken'
  | 'firstSentence'
  | 'ttsRequest'
  | 'ttsFirstByte'
  | 'firstFrame'
  | 'heard';

/**
 * Timestamps of one agent turn (performance.now()), each recorded once, turned into the
 * `metrics` event: the latency breakdown and the framework's own share of it.
 */
export class TurnTimer {
  private readonly at: Partial<Record<Stage, number>> = {};
  private readonly usage: Record<string, Record<string, number>> = {};
  private readonly requests: ProviderRequestTiming[] = [];

  constructor(
    readonly turn: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  mark(stage: Stage, at = this.now()): void {
    if (this.at[stage] === undefined) this.at[stage] = at;
  }

  /** When the turn began: the caller's speech end, else the final transcript, else now. */
  startedAt(): number {
    return this.at.speechEnd ?? this.at.sttFinal ?? this.now();
  }

  has(stage: Stage): boolean {
    return this.at[stage] !== undefined;
  }

  addUsage(key: string, field: string, amount: number): void {
    const fields = (this.usage[key] ??= {});
    fields[field] = (fields[field] ?? 0) + amount;
  }

  /** One LLM or TTS request of the turn, once its stream ended. */
  addRequest(request: ProviderRequestTiming): void {
    this.requests.push(request);
  }

  result(callId: string, interrupted: boolean, providers: Readonly<Record<string, string>>): TurnMetrics {
    const span = (from: Stage, to: Stage): number | undefined => {
      const a = this.at[from];
      const b = this.at[to];
      return a === undefined || b === undefined ? undefined : round(b - a);
    };
    const start: Stage = this.at.speechEnd !== undefined ? 'speechEnd' : 'sttFinal';
    const fields: Record<string, number | undefined> = {
      sttMs: span('speechEnd', 'sttFinal'),
      llmFirstTokenMs: span('sttFinal', 'llmFirstToken'),
      firstSentenceMs: span('llmFirstToken', 'firstSentence'),
      ttsFirstByteMs: span('ttsRequest', 'ttsFirstByte'),
      totalMs: span(start, 'firstFrame'),
      heardMs: span(start, 'heard'),
    };
    const framework: Record<string, number | undefined> = {
      sttFinalToLlmRequestMs: span('sttFinal', 'llmRequest'),
      llmFirstTokenToTtsRequestMs: span('llmFirstToken', 'ttsRequest'),
      firstSentenceToTtsRequestMs: span('firstSentence', 'ttsRequest'),
      ttsFirstByteToFirstFrameMs: span('ttsFirstByte', 'firstFrame'),
    };
    return {
      callId,
      turn: this.turn,
      ...defined(fields),
      interrupted,
      providers,
      frameworkMs: defined(framework),
      usage: this.usage,
      ...(this.requests.length > 0 ? { requests: this.requests.slice() } : {}),
      timeline: { ...this.at },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function defined(fields: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
