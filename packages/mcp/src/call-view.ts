import type { CallEndSummary } from '@patter/core';
import type { CallRecord, CallSummaryRow } from '@patter/store';

/** One line of a call's transcript as the MCP tools return it. */
export interface CallViewLine {
  readonly role: 'caller' | 'agent' | 'tool';
  /** Seconds since the call started. */
  readonly atSeconds: number;
  readonly text: string;
}

/** A call as `make_call` (with `wait`) and `get_call` return it. */
export interface CallView {
  /** The carrier's call id (Twilio CallSid, Telnyx call_control_id). */
  readonly callId: string;
  /** `in-progress`: placed, not ended yet; `ended`: over (see `endReason`). */
  readonly status: 'in-progress' | 'ended';
  /** `caller_hangup`, `agent_hangup`, `busy`, `no-answer` … */
  readonly endReason?: string;
  readonly direction?: 'inbound' | 'outbound';
  /** E.164 numbers. */
  readonly to?: string;
  readonly from?: string;
  /** The agent's name (`mcp-prompt` for a call made with a prompt). */
  readonly agent?: string;
  /** ISO 8601. */
  readonly startedAt?: string;
  readonly durationSeconds?: number;
  /** What was said (and the tools the agent ran), in order. */
  readonly transcript: readonly CallViewLine[];
  /** The post-call analysis (serve option `analysis`): its result, or why it failed. */
  readonly analysis?: { readonly result?: unknown; readonly error?: string };
  /** Estimated cost of the providers, USD. */
  readonly costUsd?: number;
  /** `make_call` with `wait`: the call had not ended when the wait timed out. */
  readonly timedOut?: boolean;
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The stored record of a finished call. */
export function viewFromRecord(record: CallRecord): CallView {
  const transcript: CallViewLine[] = [];
  for (const item of record.timeline) {
    const atSeconds = seconds(item.at - record.startedAt);
    if (item.kind === 'tool') {
      const outcome = item.error !== undefined ? `error: ${item.error}` : JSON.stringify(item.result ?? null);
      transcript.push({ role: 'tool', atSeconds, text: `${item.name}(${JSON.stringify(item.arguments ?? {})}) → ${outcome}` });
    } else {
      transcript.push({ role: item.kind === 'user' ? 'caller' : 'agent', atSeconds, text: item.interrupted ? `${item.text} [interrupted]` : item.text });
    }
  }
  const cost = Object.values(record.cost).reduce((sum, value) => sum + value, 0);
  return {
    callId: record.callId,
    status: 'ended',
    ...(record.endReason !== undefined && { endReason: record.endReason }),
    direction: record.direction,
    ...(record.to !== undefined && { to: record.to }),
    ...(record.from !== undefined && { from: record.from }),
    ...(record.agent !== undefined && { agent: record.agent }),
    startedAt: new Date(record.startedAt).toISOString(),
    ...(record.durationMs !== undefined && { durationSeconds: seconds(record.durationMs) }),
    transcript,
    ...(record.analysis !== undefined && {
      analysis: {
        ...(record.analysis.result !== undefined && { result: record.analysis.result }),
        ...(record.analysis.error !== undefined && { error: record.analysis.error }),
      },
    }),
    costUsd: Math.round(cost * 1e6) / 1e6,
  };
}

/** A call that ended without a stored record (not answered: busy, no answer; or the store is behind). */
export function viewFromSummary(summary: CallEndSummary, to: string | undefined): CallView {
  return {
    callId: summary.callId,
    status: 'ended',
    endReason: summary.reason,
    direction: 'outbound',
    ...(to !== undefined && { to }),
    startedAt: new Date(summary.startedAt).toISOString(),
    durationSeconds: seconds(summary.durationMs),
    transcript: summary.transcript.map((entry) => ({
      role: entry.role === 'user' ? 'caller' : 'agent',
      atSeconds: seconds(entry.at - summary.startedAt),
      text: entry.text,
    })),
  };
}

/** A call placed here that has not ended (or whose end this process has not learnt). */
export function viewInProgress(callId: string, to: string | undefined, placedAt: number | undefined, timedOut = false): CallView {
  return {
    callId,
    status: 'in-progress',
    direction: 'outbound',
    ...(to !== undefined && { to }),
    ...(placedAt !== undefined && { startedAt: new Date(placedAt).toISOString() }),
    transcript: [],
    ...(timedOut && { timedOut }),
  };
}

/** A row of `list_calls`. */
export interface CallListRow {
  readonly callId: string;
  readonly status: 'in-progress' | 'ended';
  readonly direction: 'inbound' | 'outbound';
  readonly to?: string;
  readonly from?: string;
  readonly agent?: string;
  readonly startedAt: string;
  readonly durationSeconds?: number;
  readonly endReason?: string;
  readonly turns?: number;
  readonly costUsd?: number;
}

export function rowFromSummary(row: CallSummaryRow): CallListRow {
  return {
    callId: row.callId,
    status: 'ended',
    direction: row.direction,
    ...(row.to !== undefined && { to: row.to }),
    ...(row.from !== undefined && { from: row.from }),
    ...(row.agent !== undefined && { agent: row.agent }),
    startedAt: new Date(row.startedAt).toISOString(),
    ...(row.durationMs !== undefined && { durationSeconds: seconds(row.durationMs) }),
    ...(row.endReason !== undefined && { endReason: row.endReason }),
    turns: row.turnCount,
    costUsd: row.costUsd,
  };
}
