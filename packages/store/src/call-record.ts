/** One line of a call's timeline: something said, or a tool the agent ran, in the order it happened. */
export type TimelineItem =
  | {
      readonly kind: 'user' | 'assistant';
      readonly at: number;
      readonly text: string;
      /** The caller spoke over this reply: `text` is the share that was heard before the cut. */
      readonly interrupted?: boolean;
    }
  | {
      readonly kind: 'tool';
      readonly at: number;
      readonly name: string;
      readonly arguments: unknown;
      readonly result?: unknown;
      readonly error?: string;
    };

/** Latency of one agent turn, in ms, by stage (undefined where the stage did not happen). */
export interface TurnRecord {
  readonly turn: number;
  readonly at: number;
  readonly sttMs?: number;
  readonly llmFirstTokenMs?: number;
  readonly firstSentenceMs?: number;
  readonly ttsFirstByteMs?: number;
  /** User speech end → first audio frame sent to the carrier. */
  readonly totalMs?: number;
  /** User speech end → the caller heard the first audio (when the carrier reports playback). */
  readonly heardMs?: number;
  readonly interrupted: boolean;
  readonly providers: Readonly<Record<string, string>>;
}

export interface RecordingRef {
  readonly url: string;
  readonly durationSeconds?: number;
}

export interface CallErrorRecord {
  readonly at: number;
  readonly message: string;
}

/** What an `analysis` run produced from a call's transcript. */
export interface CallAnalysis {
  readonly at: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** Everything kept about one call. Times are epoch ms. */
export interface CallRecord {
  /** The carrier's call id (Twilio CallSid, Telnyx call_control_id). */
  readonly callId: string;
  /** Patter's reference for the call. */
  readonly callRef: string;
  readonly carrier: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from?: string;
  readonly to?: string;
  /** The agent's name (or its first words of prompt) to filter by. */
  readonly agent?: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  readonly endReason?: string;
  readonly timeline: readonly TimelineItem[];
  readonly turns: readonly TurnRecord[];
  /** Usage by provider key (audio seconds, characters, tokens). */
  readonly usage: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Estimated cost in USD by provider key. */
  readonly cost: Readonly<Record<string, number>>;
  readonly recordings: readonly RecordingRef[];
  readonly errors: readonly CallErrorRecord[];
  readonly analysis?: CallAnalysis;
}

/** A row of the history list: the record without its timeline and turns. */
export interface CallSummaryRow {
  readonly callId: string;
  readonly carrier: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from?: string;
  readonly to?: string;
  readonly agent?: string;
  readonly startedAt: number;
  readonly durationMs?: number;
  readonly endReason?: string;
  readonly costUsd: number;
  readonly turnCount: number;
  /** Median latency of the call's turns (heard when known, else to the first audio frame). */
  readonly latencyP50Ms?: number;
}
