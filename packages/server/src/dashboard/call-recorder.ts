import type { CallEndSummary, CallInfo, CallSession, TurnMetrics } from '@patter/core';
import type { CallRecord, TimelineItem, TurnRecord } from '@patter/store';

export interface CallRecorderInit {
  readonly callRef: string;
  readonly carrier: string;
  readonly direction: 'inbound' | 'outbound';
  readonly agent: string | undefined;
  readonly variables: Readonly<Record<string, string>>;
}

/** What the live view shows of a call in progress. */
export interface LiveCallState {
  readonly callId: string;
  readonly callRef: string;
  readonly carrier: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from?: string;
  readonly to?: string;
  readonly agent?: string;
  readonly startedAt: number;
  /** Who spoke last (a partial counts): `user`, `assistant`, or undefined before anyone did. */
  readonly speaking: 'user' | 'assistant' | undefined;
  /** Words heard or spoken so far in the current turn, not final yet. */
  readonly partial: string | undefined;
  readonly timeline: readonly TimelineItem[];
  /** The latest turn's latency (heard when known, else to the first frame). */
  readonly latencyMs: number | undefined;
}

/**
 * Listens to one call's session and builds its `CallRecord` as it goes: timeline entries as they
 * are committed (tool calls in place; a reply cut by a barge-in marked `interrupted`), turn
 * metrics, and at the end the session's summary (its transcript is authoritative: the heard share
 * of a cut reply). Only cheap in-memory pushes here: nothing touches a database until the call ended.
 */
export class CallRecorder {
  private info: CallInfo | undefined;
  private readonly timeline: TimelineItem[] = [];
  private readonly turns: TurnRecord[] = [];
  private speaking: 'user' | 'assistant' | undefined;
  private partial: string | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly init: CallRecorderInit,
    private readonly onChange: (recorder: CallRecorder, change: LiveChange) => void,
  ) {}

  observe(session: CallSession): void {
    session.on('callStart', (info) => {
      this.info = info;
      this.onChange(this, { type: 'start' });
    });
    session.on('transcript', (entry) => {
      this.speaking = entry.role;
      this.partial = entry.isFinal ? undefined : entry.text;
      if (entry.isFinal) this.timeline.push({ kind: entry.role, at: Date.now(), text: entry.text });
      this.onChange(this, { type: 'transcript', role: entry.role, text: entry.text, isFinal: entry.isFinal });
    });
    session.on('toolCall', (call) => {
      this.timeline.push({
        kind: 'tool',
        at: Date.now(),
        name: call.name,
        arguments: call.arguments,
        ...(call.result !== undefined && { result: call.result }),
        ...(call.error !== undefined && { error: call.error }),
      });
      this.onChange(this, { type: 'tool', name: call.name });
    });
    session.on('metrics', (metrics) => {
      const turn = toTurnRecord(metrics);
      this.turns.push(turn);
      if (metrics.interrupted) this.markLastReplyInterrupted();
      this.onChange(this, { type: 'metrics', latencyMs: turn.heardMs ?? turn.totalMs });
    });
  }

  get callId(): string {
    return this.info?.callId ?? this.init.callRef;
  }

  live(): LiveCallState {
    const last = this.turns[this.turns.length - 1];
    return {
      callId: this.callId,
      callRef: this.init.callRef,
      carrier: this.init.carrier,
      direction: this.init.direction,
      ...(this.info?.from !== undefined && { from: this.info.from }),
      ...(this.info?.to !== undefined && { to: this.info.to }),
      ...(this.init.agent !== undefined && { agent: this.init.agent }),
      startedAt: this.startedAt,
      speaking: this.speaking,
      partial: this.partial,
      timeline: this.timeline,
      latencyMs: last ? (last.heardMs ?? last.totalMs) : undefined,
    };
  }

  /** The complete record, from what was seen and the session's end summary (or a failure). */
  finish(summary: CallEndSummary | undefined, error?: unknown): CallRecord {
    const startedAt = summary?.startedAt || this.startedAt;
    const endedAt = summary ? startedAt + summary.durationMs : Date.now();
    return {
      callId: summary?.callId || this.callId,
      callRef: this.init.callRef,
      carrier: this.info?.carrier ?? this.init.carrier,
      direction: this.init.direction,
      ...(this.info?.from !== undefined && { from: this.info.from }),
      ...(this.info?.to !== undefined && { to: this.info.to }),
      ...(this.init.agent !== undefined && { agent: this.init.agent }),
      variables: this.init.variables,
      startedAt,
      ...(this.info !== undefined && { answeredAt: startedAt }),
      endedAt,
      durationMs: summary?.durationMs ?? endedAt - startedAt,
      endReason: summary?.reason ?? 'error',
      timeline: summary ? this.reconcile(summary) : this.timeline,
      turns: this.turns,
      usage: summary?.usage ?? {},
      cost: summary?.cost ?? {},
      recordings: [],
      errors: error === undefined ? [] : [{ at: endedAt, message: errorName(error) }],
    };
  }

  /**
   * The summary's transcript is what the session kept (a corrected or cut reply); the recorder's
   * timeline has the tools and barge-in marks. Same number of spoken entries: take the summary's
   * texts and times in place. Otherwise trust the summary and put the tools back by time.
   */
  private reconcile(summary: CallEndSummary): TimelineItem[] {
    if (summary.transcript.length === 0) return this.timeline;
    const spoken = this.timeline.filter((item) => item.kind !== 'tool');
    if (spoken.length === summary.transcript.length) {
      let i = 0;
      return this.timeline.map((item) => {
        if (item.kind === 'tool') return item;
        const entry = summary.transcript[i++];
        return entry ? { ...item, text: entry.text, at: entry.at } : item;
      });
    }
    const interrupted = new Set(spoken.filter((item) => item.kind === 'assistant' && item.interrupted).map((item) => (item as { text: string }).text));
    const said: TimelineItem[] = summary.transcript.map((entry) => ({
      kind: entry.role,
      at: entry.at,
      text: entry.text,
      ...(entry.role === 'assistant' && interrupted.has(entry.text) && { interrupted: true }),
    }));
    const tools = this.timeline.filter((item) => item.kind === 'tool');
    return [...said, ...tools].sort((a, b) => a.at - b.at);
  }

  private markLastReplyInterrupted(): void {
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const item = this.timeline[i] as TimelineItem;
      if (item.kind === 'user') return;
      if (item.kind === 'assistant') {
        this.timeline[i] = { ...item, interrupted: true };
        return;
      }
    }
  }
}

export type LiveChange =
  | { readonly type: 'start' }
  | { readonly type: 'transcript'; readonly role: 'user' | 'assistant'; readonly text: string; readonly isFinal: boolean }
  | { readonly type: 'tool'; readonly name: string }
  | { readonly type: 'metrics'; readonly latencyMs: number | undefined }
  | { readonly type: 'end' };

function toTurnRecord(metrics: TurnMetrics): TurnRecord {
  // `heardMs` arrives with core's playback-confirmed latency; read it without depending on it.
  const heardMs = (metrics as TurnMetrics & { readonly heardMs?: number }).heardMs;
  return {
    turn: metrics.turn,
    at: Date.now(),
    ...(metrics.sttMs !== undefined && { sttMs: metrics.sttMs }),
    ...(metrics.llmFirstTokenMs !== undefined && { llmFirstTokenMs: metrics.llmFirstTokenMs }),
    ...(metrics.firstSentenceMs !== undefined && { firstSentenceMs: metrics.firstSentenceMs }),
    ...(metrics.ttsFirstByteMs !== undefined && { ttsFirstByteMs: metrics.ttsFirstByteMs }),
    ...(metrics.totalMs !== undefined && { totalMs: metrics.totalMs }),
    ...(heardMs !== undefined && { heardMs }),
    interrupted: metrics.interrupted,
    providers: metrics.providers,
  };
}

/** An error's name and code only: messages can quote what the caller said. */
function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'error';
  const { name, code } = error as { name?: unknown; code?: unknown };
  return [name, code].filter((part) => typeof part === 'string').join(' ') || 'error';
}
