import type { LLMDelta } from '@patter/core';
import { FakeHttpServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicLLM } from './index.js';

const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const REPLY = [
  ev('message_start', { message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model: 'claude-haiku-4-5', usage: { input_tokens: 12, output_tokens: 1 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi.' } }),
  ev('content_block_stop', { index: 0 }),
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }),
  ev('message_stop', {}),
];

describe('AnthropicLLM request id', () => {
  let server: FakeHttpServer | undefined;
  afterEach(() => server?.close());

  it('hands the `request-id` response header (every Messages response carries it) to onRequestId', async () => {
    server = await FakeHttpServer.start({
      'POST /v1/messages': (_req, res) =>
        void res.stream({ headers: { 'content-type': 'text/event-stream', 'request-id': 'req_011CPxAnthropic' }, chunks: REPLY }),
    });
    const ids: string[] = [];
    const deltas: LLMDelta[] = [];
    const llm = new AnthropicLLM({ apiKey: 'test-key', baseUrl: server.url });
    for await (const delta of llm.chat([{ role: 'user', content: 'hi' }], { onRequestId: (id) => ids.push(id) })) deltas.push(delta);
    expect(ids).toEqual(['req_011CPxAnthropic']);
    expect(deltas).toContainEqual({ type: 'text', text: 'Hi.' });
  });
});
