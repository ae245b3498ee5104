import { CartesiaTTS } from '@patter/cartesia';
import { FallbackLLM, FallbackTTS, silentLogger } from '@patter/core';
import { OpenAILLM } from '@patter/openai';
import { describe, expect, it } from 'vitest';
import { FakeHttpServer, type LLMScriptedReply } from '@patter/testing';
import { describeLLMConformance, describeTTSConformance } from '@patter/testing/vitest';

// The fallback providers keep their contracts: the LLM and TTS conformance suites run against a
// FallbackLLM / FallbackTTS whose first member's vendor is down (503, no retries) and whose second
// member is the plugin against its conformance fake. Every check passes through a failover.

/** Checks that reached the down member first (the already-aborted checks reach no vendor). */
const failovers = new Map<string, number>();

/** A scripted reply as Chat Completions chunks (text word by word, arguments in three fragments). */
function chatChunks(reply: LLMScriptedReply): string[] {
  const chunk = (delta: unknown, finish: string | null = null) =>
    JSON.stringify({ id: 'chatcmpl-c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  const out = [chunk({ role: 'assistant', content: '' })];
  for (const piece of reply.text?.match(/\S+\s*/g) ?? []) out.push(chunk({ content: piece }));
  (reply.toolCalls ?? []).forEach((call, index) => {
    out.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    const third = Math.ceil(call.arguments.length / 3);
    for (let at = 0; at < call.arguments.length; at += third) out.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + third) } }] }));
  });
  out.push(chunk({}, reply.toolCalls?.length ? 'tool_calls' : 'stop'));
  out.push(JSON.stringify({ id: 'chatcmpl-c', choices: [], usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 } }), '[DONE]');
  return out;
}

/** Deterministic audio per text (whole samples), cut at odd offsets. */
function speechFor(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 64);
  let h = 7;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  for (let i = 0; i < out.length; i++) out[i] = (h + i * 17) & 0xff;
  return out;
}
function irregular(audio: Uint8Array): Uint8Array[] {
  const sizes = [1, 7, 160, 33, 2, 999];
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < audio.length; i++) {
    chunks.push(audio.subarray(offset, offset + sizes[i % sizes.length]!));
    offset += sizes[i % sizes.length]!;
  }
  return chunks;
}

{
  const KIND = 'llm';
  let down: FakeHttpServer | undefined;
  let up: FakeHttpServer | undefined;
  let replies: LLMScriptedReply[] = [];
  const made: FallbackLLM[] = [];
  describeLLMConformance({
    name: 'FallbackLLM (first member down)',
    beforeEach: async () => {
      replies = [];
      down = await FakeHttpServer.start({ 'POST /v1/chat/completions': (_req, res) => res.json(503, { error: { message: 'overloaded' } }) });
      up = await FakeHttpServer.start({
        'POST /v1/chat/completions': (_req, res) => {
          const reply = replies.shift() ?? { text: 'unscripted' };
          return res.sse(chatChunks(reply), { delayMs: reply.delayMs ?? 0 });
        },
      });
    },
    afterEach: async () => {
      const tried = down?.requests.length ?? 0;
      await Promise.all(made.splice(0).map((f) => f.close()));
      await Promise.all([down?.close(), up?.close()]);
      if (tried > 0) failovers.set(KIND, (failovers.get(KIND) ?? 0) + 1);
    },
    createProvider: () => {
      const fallback = new FallbackLLM([
        new OpenAILLM({ apiKey: 'k', baseUrl: `${down?.url}/v1`, maxRetries: 0 }),
        new OpenAILLM({ apiKey: 'k', baseUrl: `${up?.url}/v1` }),
      ], { logger: silentLogger });
      made.push(fallback);
      return fallback;
    },
    scriptReply: (reply) => void replies.push(reply),
    lastRequestClosed: async () => up?.requests.at(-1)?.clientClosed,
  });
}

{
  const KIND = 'tts';
  let down: FakeHttpServer | undefined;
  let up: FakeHttpServer | undefined;
  const made: FallbackTTS[] = [];
  describeTTSConformance({
    name: 'FallbackTTS (first member down)',
    beforeEach: async () => {
      down = await FakeHttpServer.start({ 'POST /tts/bytes': (_req, res) => res.json(503, { error: 'overloaded' }) });
      up = await FakeHttpServer.start({
        'POST /tts/bytes': (req, res) => {
          const text = String((req.json() as { transcript: string }).transcript);
          void res.stream({ chunks: irregular(speechFor(text)), delayMs: text.length > 60 ? 5 : 0 });
        },
      });
    },
    afterEach: async () => {
      const tried = down?.requests.length ?? 0;
      await Promise.all(made.splice(0).map((f) => f.close()));
      await Promise.all([down?.close(), up?.close()]);
      if (tried > 0) failovers.set(KIND, (failovers.get(KIND) ?? 0) + 1);
    },
    createProvider: () => {
      const fallback = new FallbackTTS([
        new CartesiaTTS({ apiKey: 'k', baseUrl: down!.url, maxRetries: 0, logger: silentLogger }),
        new CartesiaTTS({ apiKey: 'k', baseUrl: up!.url, logger: silentLogger }),
      ]);
      made.push(fallback);
      return fallback;
    },
    expectedAudio: speechFor,
    lastRequestClosed: async () => {
      const last = up?.requests.at(-1);
      await last?.clientClosed;
      if (!last?.clientAborted) throw new Error('the fake finished the response instead of seeing the client close it');
    },
  });
}

describe('fallback conformance', () => {
  it('went through a failover in the suites\' checks', () => {
    expect(failovers.get('llm')).toBeGreaterThanOrEqual(4);
    expect(failovers.get('tts')).toBeGreaterThanOrEqual(4);
  });
});
