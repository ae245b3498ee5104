import type { LLMDelta } from '@patter/core';
import { FakeHttpServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAILLM, OpenAITTS } from './index.js';

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

// Every OpenAI API response names its request in `x-request-id` (the API reference, "Debugging requests").
describe('OpenAI request ids', () => {
  let server: FakeHttpServer | undefined;
  afterEach(() => server?.close());

  it('OpenAILLM hands x-request-id to onRequestId', async () => {
    server = await FakeHttpServer.start({
      'POST /v1/chat/completions': (_req, res) =>
        void res.stream({ headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_llm_7f3a' }, chunks: [chunk({ content: 'Hi.' }), chunk({}, 'stop'), 'data: [DONE]\n\n'] }),
    });
    const ids: string[] = [];
    const deltas: LLMDelta[] = [];
    const llm = new OpenAILLM({ apiKey: 'test-key', baseUrl: `${server.url}/v1` });
    for await (const delta of llm.chat([{ role: 'user', content: 'hi' }], { onRequestId: (id) => ids.push(id) })) deltas.push(delta);
    expect(ids).toEqual(['req_llm_7f3a']);
    expect(deltas).toContainEqual({ type: 'text', text: 'Hi.' });
  });

  it('OpenAITTS hands x-request-id to onRequestId', async () => {
    server = await FakeHttpServer.start({
      'POST /v1/audio/speech': (_req, res) =>
        void res.stream({ headers: { 'content-type': 'application/octet-stream', 'x-request-id': 'req_tts_91c2' }, chunks: [new Uint8Array(960)] }),
    });
    const ids: string[] = [];
    let bytes = 0;
    const tts = new OpenAITTS({ apiKey: 'test-key', baseUrl: `${server.url}/v1` });
    for await (const audio of tts.synthesize('Hello there.', { onRequestId: (id) => ids.push(id) })) bytes += audio.byteLength;
    expect(ids).toEqual(['req_tts_91c2']);
    expect(bytes).toBe(960);
  });
});
