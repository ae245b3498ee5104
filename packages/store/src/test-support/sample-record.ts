import type { CallRecord } from '../call-record.js';

/** A complete call record for tests; `overrides` replace top-level fields. */
export function sampleRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  const startedAt = overrides.startedAt ?? Date.UTC(2026, 11, 1, 10, 0, 0);
  return {
    callId: 'CA0001',
    callRef: 'ref-1',
    carrier: 'twilio',
    direction: 'inbound',
    from: '+15550001111',
    to: '+15550002222',
    agent: 'receptionist',
    variables: { customer: 'Ada' },
    startedAt,
    answeredAt: startedAt,
    endedAt: startedAt + 42_000,
    durationMs: 42_000,
    endReason: 'caller_hangup',
    timeline: [
      { kind: 'assistant', at: startedAt + 100, text: 'Acme, how can I help?' },
      { kind: 'user', at: startedAt + 3_000, text: 'Book a table for 4, my email is ada@example.com' },
      { kind: 'tool', at: startedAt + 3_500, name: 'book_table', arguments: { people: 4 }, result: { ok: true } },
      { kind: 'assistant', at: startedAt + 4_000, text: 'Done, a table for', interrupted: true },
      { kind: 'user', at: startedAt + 5_000, text: 'thanks' },
    ],
    turns: [
      { turn: 1, at: startedAt + 4_000, sttMs: 120, llmFirstTokenMs: 300, ttsFirstByteMs: 150, totalMs: 700, heardMs: 760, interrupted: true, providers: { stt: 'deepgram' } },
      { turn: 2, at: startedAt + 6_000, sttMs: 100, llmFirstTokenMs: 250, ttsFirstByteMs: 140, totalMs: 600, interrupted: false, providers: { stt: 'deepgram' } },
    ],
    usage: { deepgram: { audioSeconds: 42 }, openai: { inputTokens: 900, outputTokens: 60 } },
    cost: { deepgram: 0.003, openai: 0.0012, twilio: 0.0119 },
    recordings: [],
    errors: [],
    ...overrides,
  };
}
