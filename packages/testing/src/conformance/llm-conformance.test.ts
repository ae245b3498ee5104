import type { LLMChatOptions, LLMDelta, LLMProvider } from '@patter/core';
import { delay, isAbortError } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { describeLLMConformance } from '../vitest/describe-llm-conformance.js';
import { runConformanceChecks } from './conformance-check.js';
import { llmConformanceChecks, type LLMConformanceHarness, type LLMScriptedReply } from './llm-conformance.js';

type Flaw = 'losesFragments' | 'rawFragments' | 'ignoresAbort' | 'noDone' | 'oneTextDelta' | 'keepsOnlyLastCall';

/** Pieces a vendor would stream: text in 7-char slices, tool arguments in 5-char fragments. */
type Piece = { text: string } | { call: number; id: string; name: string; fragment: string };

function piecesOf(reply: LLMScriptedReply): Piece[] {
  const pieces: Piece[] = [];
  const text = reply.text ?? '';
  for (let i = 0; i < text.length; i += 7) pieces.push({ text: text.slice(i, i + 7) });
  (reply.toolCalls ?? []).forEach((call, index) => {
    for (let i = 0; i < call.arguments.length; i += 5) {
      pieces.push({ call: index, id: call.id, name: call.name, fragment: call.arguments.slice(i, i + 5) });
    }
  });
  return pieces;
}

class MemoryLLM implements LLMProvider {
  readonly key = 'memory';
  readonly model = 'memory-1';
  constructor(
    private readonly nextReply: () => LLMScriptedReply,
    private readonly flaw?: Flaw,
  ) {}

  async *chat(_messages: unknown, options: LLMChatOptions = {}): AsyncIterable<LLMDelta> {
    const reply = this.nextReply();
    const signal = this.flaw === 'ignoresAbort' ? undefined : options.signal;
    if (signal?.aborted) return;
    if (this.flaw === 'oneTextDelta' && reply.text) {
      yield { type: 'text', text: reply.text };
      yield { type: 'done', finishReason: 'stop' };
      return;
    }
    const calls = new Map<number, { id: string; name: string; args: string }>();
    const pieces = piecesOf(reply);
    if (this.flaw === 'losesFragments') pieces.pop();
    try {
      for (const piece of pieces) {
        await delay(reply.delayMs ?? 0, signal);
        if ('text' in piece) yield { type: 'text', text: piece.text };
        else if (this.flaw === 'rawFragments') yield { type: 'toolCall', call: { id: piece.id, name: piece.name, arguments: piece.fragment } };
        else {
          const key = this.flaw === 'keepsOnlyLastCall' ? 0 : piece.call;
          const call = calls.get(key);
          if (call && call.id === piece.id) call.args += piece.fragment;
          else calls.set(key, { id: piece.id, name: piece.name, args: piece.fragment });
        }
      }
    } catch (error) {
      if (isAbortError(error)) return;
      throw error;
    }
    for (const call of calls.values()) yield { type: 'toolCall', call: { id: call.id, name: call.name, arguments: call.args } };
    yield { type: 'usage', usage: { inputTokens: 10, outputTokens: 5 } };
    if (this.flaw !== 'noDone') yield { type: 'done', finishReason: calls.size > 0 ? 'tool_calls' : 'stop' };
  }
}

function harnessFor(flaw?: Flaw): LLMConformanceHarness {
  let scripted: LLMScriptedReply = {};
  return {
    name: `MemoryLLM${flaw ? ` (${flaw})` : ''}`,
    createProvider: () => new MemoryLLM(() => scripted, flaw),
    scriptReply: (reply) => (scripted = reply),
    timeoutMs: 2_000,
  };
}

async function failedChecks(flaw: Flaw): Promise<string[]> {
  const results = await runConformanceChecks(llmConformanceChecks(harnessFor(flaw)));
  return results.filter((r) => !r.passed).map((r) => r.name);
}

const ONE_CALL = 'a tool call arrives once, assembled, with parsable JSON arguments';
const TWO_CALLS = 'two tool calls in one reply arrive separately, in order';

describe('LLM conformance checks', () => {
  it('pass for a correct provider', async () => {
    const results = await runConformanceChecks(llmConformanceChecks(harnessFor()));
    expect(results.map((r) => [r.name, r.passed ? '' : String(r.error)])).toEqual(results.map((r) => [r.name, '']));
    expect(results).toHaveLength(5);
  });

  it('fail when tool-call fragments are lost, emitted raw, or calls merged', async () => {
    expect(await failedChecks('losesFragments')).toEqual(expect.arrayContaining([ONE_CALL, TWO_CALLS]));
    expect(await failedChecks('rawFragments')).toEqual(expect.arrayContaining([ONE_CALL, TWO_CALLS]));
    expect(await failedChecks('keepsOnlyLastCall')).toEqual([TWO_CALLS]);
  });

  it('fail when abort is ignored, done is missing, or text is not streamed', async () => {
    expect(await failedChecks('ignoresAbort')).toEqual(
      expect.arrayContaining(['abort ends the stream within one event-loop turn; nothing is emitted after']),
    );
    expect(await failedChecks('noDone')).toContain('text deltas concatenate to the reply and the stream ends with done');
    expect(await failedChecks('oneTextDelta')).toContain('text deltas concatenate to the reply and the stream ends with done');
  });
});

describeLLMConformance(harnessFor());
