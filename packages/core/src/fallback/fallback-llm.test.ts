import { describe, expect, it } from 'vitest';
import { ProviderConnectionError, ProviderStatusError } from '../errors/provider-error.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { LLMDelta, LLMProvider } from '../llm/llm-provider.js';
import type { Logger } from '../log/logger.js';
import { CONTINUE_INSTRUCTION, FallbackLLM } from './fallback-llm.js';

type Script = (messages: readonly ChatMessage[]) => AsyncIterable<LLMDelta>;
function llm(key: string, scripts: Script[]): LLMProvider & { requests: (readonly ChatMessage[])[] } {
  const requests: (readonly ChatMessage[])[] = [];
  return {
    key,
    model: `${key}-model`,
    requests,
    chat(messages) {
      requests.push(messages);
      const script = scripts.shift();
      if (!script) throw new Error('no script');
      return script(messages);
    },
  };
}
const text = (t: string): LLMDelta => ({ type: 'text', text: t });
async function* says(...parts: string[]): AsyncIterable<LLMDelta> {
  for (const p of parts) yield text(p);
  yield { type: 'done', finishReason: 'stop' };
}
async function* failsAfter(error: Error, ...parts: string[]): AsyncIterable<LLMDelta> {
  for (const p of parts) yield text(p);
  throw error;
}
async function collect(stream: AsyncIterable<LLMDelta>): Promise<string> {
  let out = '';
  for await (const d of stream) if (d.type === 'text') out += d.text;
  return out;
}
function recordingLogger(lines: { msg: string; fields: Record<string, unknown> }[]): Logger {
  const log = (fields: Record<string, unknown>, msg: string) => void lines.push({ msg, fields });
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}
const USER: ChatMessage[] = [{ role: 'user', content: 'hi' }];

describe('FallbackLLM', () => {
  it('moves to the next LLM on a 5xx before any output, logs who served, and keeps the primary out of rotation', async () => {
    const a = llm('a', [() => failsAfter(new ProviderStatusError('a', 503, 'overloaded'))]);
    const b = llm('b', [() => says('Hello ', 'there.'), () => says('Again.')]);
    const lines: { msg: string; fields: Record<string, unknown> }[] = [];
    const fallback = new FallbackLLM([a, b], { recoveryMs: 60_000 });
    expect(await collect(fallback.chat(USER, { logger: recordingLogger(lines), callId: 'c1' }))).toBe('Hello there.');
    expect(b.requests[0]).toEqual(USER);
    expect(lines.find((l) => l.msg === 'fallback: llm provider serving the turn')?.fields).toMatchObject({ provider: 'b', callId: 'c1' });
    expect(fallback.isHealthy(a)).toBe(false);
    // The next turn goes straight to b: a is not asked while unhealthy.
    expect(await collect(fallback.chat(USER))).toBe('Again.');
    expect(a.requests).toHaveLength(1);
    await fallback.close();
  });

  it('continues a reply cut mid-stream on the next LLM without repeating what was said', async () => {
    const a = llm('a', [() => failsAfter(new ProviderConnectionError('a', 'socket hang up'), 'We open at ', 'nine')]);
    const b = llm('b', [() => says(' in the morning.')]);
    const fallback = new FallbackLLM([a, b]);
    expect(await collect(fallback.chat(USER))).toBe('We open at nine in the morning.');
    expect(b.requests[0]).toEqual([
      ...USER,
      { role: 'assistant', content: 'We open at nine' },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ]);
    await fallback.close();
  });

  it('does not fail over on a 400 (the request is bad everywhere), nor after a tool call', async () => {
    const bad = new ProviderStatusError('a', 400, 'bad request');
    const a = llm('a', [() => failsAfter(bad)]);
    const b = llm('b', [() => says('unused')]);
    const fallback = new FallbackLLM([a, b]);
    await expect(collect(fallback.chat(USER))).rejects.toBe(bad);
    expect(b.requests).toHaveLength(0);

    const drop = new ProviderConnectionError('c', 'reset');
    const c = llm('c', [
      async function* () {
        yield { type: 'toolCall', call: { id: '1', name: 'lookup', arguments: '{}' } } as LLMDelta;
        throw drop;
      },
    ]);
    const after = new FallbackLLM([c, b]);
    await expect(collect(after.chat(USER))).rejects.toBe(drop);
    expect(b.requests).toHaveLength(0);
    await fallback.close();
    await after.close();
  });

  it('throws the last error when every LLM fails, trying the unhealthy ones as a last resort', async () => {
    const e1 = new ProviderStatusError('a', 500, 'x');
    const e2 = new ProviderStatusError('b', 502, 'y');
    const a = llm('a', [() => failsAfter(e1), () => says('a is back.')]);
    const b = llm('b', [() => failsAfter(e2)]);
    const fallback = new FallbackLLM([a, b], { recoveryMs: 60_000 });
    await expect(collect(fallback.chat(USER))).rejects.toBe(e2);
    // Both are unhealthy: the next request still tries them, in order.
    expect(await collect(fallback.chat(USER))).toBe('a is back.');
    expect(fallback.isHealthy(a)).toBe(true);
    await fallback.close();
  });

  it('rejects an empty list naming the option', () => {
    expect(() => new FallbackLLM([])).toThrow(/providers/);
  });
});
