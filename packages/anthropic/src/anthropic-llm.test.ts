import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ProviderAuthError, ProviderError, StreamIdleTimeoutError, createLLM, type ChatMessage, type LLMDelta, type ToolSpec } from '@patter/core';
import { FakeHttpServer, type FakeHttpResponse, type LLMScriptedReply } from '@patter/testing';
import { describeLLMConformance } from '@patter/testing/vitest';
import { AnthropicLLM, LLM } from './index.js';

const BOOK_TABLE: ToolSpec = { name: 'book_table', description: 'Book a restaurant table', parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] } };
const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
/** Text, then a tool call whose input arrives as input_json_delta fragments (Messages streaming shapes). */
const TOOL_TURN = [
  ev('message_start', { message: { id: 'msg_01', type: 'message', role: 'assistant', content: [], model: 'claude-haiku-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 410, cache_creation_input_tokens: 0, cache_read_input_tokens: 380, output_tokens: 2 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me book that.' } }),
  ev('content_block_stop', { index: 0 }),
  ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_01A', name: 'book_table', input: {} } }),
  ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
  ev('ping', {}),
  ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"day": "Mon' } }),
  'event: content_block_delta\ndata: {not json\n\n',
  ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'day"}' } }),
  ev('content_block_stop', { index: 1 }),
  ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 48 } }),
  ev('message_stop', {}),
];
const TEXT_TURN = [
  ev('message_start', { message: { id: 'msg_02', type: 'message', role: 'assistant', content: [], model: 'claude-haiku-4-5', usage: { input_tokens: 470, output_tokens: 1 } } }),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Sure' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ', booked.' } }),
  ev('content_block_stop', { index: 0 }),
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 6 } }),
  ev('message_stop', {}),
];

type Handler = (res: FakeHttpResponse) => unknown;

/** Loopback `POST /v1/messages` checking what Anthropic checks: key, version, JSON body, roles. */
async function fakeMessages(...handlers: Handler[]) {
  const bodies: Record<string, unknown>[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/messages': (req, res) => {
      const error = (status: number, type: string) => res.json(status, { type: 'error', error: { type, message: type } });
      if (req.header('x-api-key') !== 'test-key') return error(401, 'authentication_error');
      if (req.header('anthropic-version') !== '2023-06-01' || req.header('content-type') !== 'application/json') return error(400, 'invalid_request_error');
      const body = req.json<{ max_tokens?: unknown; messages?: { role: string }[] }>();
      const roles = (body.messages ?? []).map((m) => m.role);
      const alternating = roles.every((r, i) => r === (i % 2 === 0 ? 'user' : 'assistant'));
      if (typeof body.max_tokens !== 'number' || roles.length === 0 || !alternating) return error(400, 'invalid_request_error');
      bodies.push(body as Record<string, unknown>);
      const handler = handlers.shift();
      if (!handler) return error(500, 'api_error');
      void handler(res);
    },
  });
  return { url: server.url, bodies, server, hits: () => server.requests.length };
}

const sse = (events: readonly string[], then: 'end' | 'destroy' | 'hang' = 'end'): Handler => (res) =>
  res.stream({ headers: { 'content-type': 'text/event-stream' }, chunks: events, then });

async function collect(stream: AsyncIterable<LLMDelta>): Promise<LLMDelta[]> {
  const out: LLMDelta[] = [];
  for await (const d of stream) out.push(d);
  return out;
}

describe('AnthropicLLM', () => {
  let server: FakeHttpServer | undefined;
  afterEach(() => server?.close());

  it('streams text and a tool call assembled from input_json_delta, then the follow-up with tool_result blocks', async () => {
    const fake = await fakeMessages(sse(TOOL_TURN), sse(TEXT_TURN));
    server = fake.server;
    const llm = new AnthropicLLM({ apiKey: 'test-key', baseUrl: fake.url, maxTokens: 256 });
    const history: ChatMessage[] = [
      { role: 'system', content: 'You are a booking agent.' },
      { role: 'system', content: 'Keep answers short.' },
      { role: 'user', content: 'Book me a table for Monday.' },
    ];
    const first = await collect(llm.chat(history, { tools: [BOOK_TABLE] }));
    expect(fake.bodies[0]).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      system: 'You are a booking agent.\n\nKeep answers short.',
      messages: [{ role: 'user', content: 'Book me a table for Monday.' }],
      tools: [{ name: 'book_table', description: 'Book a restaurant table', input_schema: BOOK_TABLE.parameters }],
      stream: true,
    });
    expect(first).toEqual([
      { type: 'text', text: 'Let me book that.' },
      { type: 'toolCall', call: { id: 'toolu_01A', name: 'book_table', arguments: '{"day": "Monday"}' } },
      { type: 'usage', usage: { inputTokens: 790, outputTokens: 48, cachedInputTokens: 380 } },
      { type: 'done', finishReason: 'tool_use' },
    ]);

    const call = { id: 'toolu_01A', name: 'book_table', arguments: '{"day": "Monday"}' };
    history.push({ role: 'assistant', content: 'Let me book that.', toolCalls: [call] }, { role: 'tool', toolCallId: 'toolu_01A', name: 'book_table', content: '{"ok":true}' });
    const second = await collect(llm.chat(history, { tools: [BOOK_TABLE] }));
    expect((fake.bodies[1] as { messages: unknown }).messages).toEqual([
      { role: 'user', content: 'Book me a table for Monday.' },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me book that.' }, { type: 'tool_use', id: 'toolu_01A', name: 'book_table', input: { day: 'Monday' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '{"ok":true}' }] },
    ]);
    expect(second.filter((d) => d.type === 'text').map((d) => d.text).join('')).toBe('Sure, booked.');
    expect(second.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 470, outputTokens: 6, cachedInputTokens: 0 } },
      { type: 'done', finishReason: 'end_turn' },
    ]);
  });

  it('parallel tool results go back in one user message after the assistant turn', () => {
    const body = new AnthropicLLM({ apiKey: 'k' }).requestBody([
      { role: 'user', content: 'Both please.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'x', arguments: '{}' }, { id: 'b', name: 'y', arguments: 'not json' }] },
      { role: 'tool', toolCallId: 'a', name: 'x', content: '1' },
      { role: 'tool', toolCallId: 'b', name: 'y', content: '2' },
      { role: 'user', content: 'Thanks.' },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: 'Both please.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'x', input: {} }, { type: 'tool_use', id: 'b', name: 'y', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: '1' }, { type: 'tool_result', tool_use_id: 'b', content: '2' }, { type: 'text', text: 'Thanks.' }] },
    ]);
    expect(body).not.toHaveProperty('system');
  });

  it('a call that opens with the agent’s first message gets a user turn first (the API requires one)', async () => {
    const fake = await fakeMessages(sse(TEXT_TURN));
    server = fake.server;
    const llm = new AnthropicLLM({ apiKey: 'test-key', baseUrl: fake.url });
    const out = await collect(
      llm.chat([
        { role: 'system', content: 'You take bookings.' },
        { role: 'assistant', content: 'Welcome to Luigi, how can I help?' },
        { role: 'user', content: 'A table for two.' },
      ]),
    );
    expect(out.at(-1)).toEqual({ type: 'done', finishReason: 'end_turn' });
    expect((fake.bodies[0] as { messages: unknown }).messages).toEqual([
      { role: 'user', content: '(The call has started.)' },
      { role: 'assistant', content: 'Welcome to Luigi, how can I help?' },
      { role: 'user', content: 'A table for two.' },
    ]);
  });

  it('a 401 is not retried and names ANTHROPIC_API_KEY; 529 overloaded is retried before the first token', async () => {
    const fake = await fakeMessages((res) => res.json(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after': '0' }), sse(TEXT_TURN));
    server = fake.server;
    const auth = await collect(new AnthropicLLM({ apiKey: 'wrong', baseUrl: fake.url }).chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(ProviderAuthError);
    expect((auth as Error).message).toContain('ANTHROPIC_API_KEY');
    expect(fake.hits()).toBe(1);
    const out = await collect(new AnthropicLLM({ apiKey: 'test-key', baseUrl: fake.url }).chat([{ role: 'user', content: 'hi' }]));
    expect(out.at(-1)).toEqual({ type: 'done', finishReason: 'end_turn' });
    expect(fake.hits()).toBe(3);
  });

  it('an error event after text is thrown, not retried; a cut stream is an error', async () => {
    const fake = await fakeMessages(sse([...TEXT_TURN.slice(0, 3), ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]), sse(TEXT_TURN.slice(0, 3)), sse(TEXT_TURN.slice(0, 3), 'destroy'));
    server = fake.server;
    const llm = new AnthropicLLM({ apiKey: 'test-key', baseUrl: fake.url, maxRetries: 0 });
    const out: LLMDelta[] = [];
    const error = await (async () => {
      for await (const d of llm.chat([{ role: 'user', content: 'hi' }])) out.push(d);
    })().catch((e: unknown) => e);
    expect(out).toEqual([{ type: 'text', text: 'Sure' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).body).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    const cut = await collect(llm.chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect((cut as Error).message).toMatch(/before message_stop/);
    const dropped = await collect(llm.chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(ProviderError);
    expect((dropped as Error).message).toMatch(/interrupted/);
    expect(fake.hits()).toBe(3);
  });

  it('abort (barge-in) ends the stream quietly and closes the request at once', async () => {
    const fake = await fakeMessages(sse(TEXT_TURN.slice(0, 3), 'hang'));
    server = fake.server;
    const controller = new AbortController();
    const out: LLMDelta[] = [];
    for await (const d of LLM({ apiKey: 'test-key', baseUrl: fake.url }).chat([{ role: 'user', content: 'hi' }], { signal: controller.signal })) {
      out.push(d);
      controller.abort();
    }
    expect(out).toEqual([{ type: 'text', text: 'Sure' }]);
    await fake.server.requests[0]?.clientClosed;
    expect(fake.server.requests[0]?.clientAborted).toBe(true);
  });

  it('a message stream that stalls after a few events is aborted after idleTimeoutMs with StreamIdleTimeoutError naming anthropic, not retried', async () => {
    const fake = await fakeMessages(sse(TEXT_TURN.slice(0, 3), 'hang'));
    server = fake.server;
    const out: LLMDelta[] = [];
    const started = performance.now();
    const error = await (async () => {
      for await (const d of LLM({ apiKey: 'test-key', baseUrl: fake.url, idleTimeoutMs: 250 }).chat([{ role: 'user', content: 'hi' }])) out.push(d);
    })().catch((e: unknown) => e);
    expect(out).toEqual([{ type: 'text', text: 'Sure' }]);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'anthropic', idleMs: 250 });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(fake.hits()).toBe(1);
    await fake.server.requests[0]?.clientClosed;
    expect(() => LLM({ apiKey: 'k', idleTimeoutMs: -1 })).toThrow(/^idleTimeoutMs:/);
  });

  it('reads ANTHROPIC_API_KEY, names it when missing, validates options, registers as anthropic', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => LLM()).toThrow(ConfigError);
      expect(() => LLM()).toThrow(/ANTHROPIC_API_KEY/);
      process.env.ANTHROPIC_API_KEY = 'env-key';
      expect(LLM().model).toBe('claude-haiku-4-5');
      expect(() => LLM({ temperature: 1.5 })).toThrow(/^temperature:/);
      expect(() => LLM({ maxTokens: 0 })).toThrow(/^maxTokens:/);
      expect(createLLM('anthropic', {})).toBeInstanceOf(AnthropicLLM);
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});

/** A scripted reply as Messages stream events: a text block in word deltas, then one tool_use block per call. */
function messageEvents(reply: LLMScriptedReply): string[] {
  const out = [ev('message_start', { message: { id: 'msg_c', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 20, output_tokens: 1 } } })];
  let index = 0;
  if (reply.text) {
    out.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const piece of reply.text.match(/\S+\s*/g) ?? []) out.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    out.push(ev('content_block_stop', { index: index++ }));
  }
  for (const call of reply.toolCalls ?? []) {
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }));
    const third = Math.ceil(call.arguments.length / 3);
    for (let at = 0; at < call.arguments.length; at += third) out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.arguments.slice(at, at + third) } }));
    out.push(ev('content_block_stop', { index: index++ }));
  }
  out.push(ev('message_delta', { delta: { stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn' }, usage: { output_tokens: 10 } }), ev('message_stop', {}));
  return out;
}

{
  let server: FakeHttpServer | undefined;
  let replies: LLMScriptedReply[] = [];
  describeLLMConformance({
    name: 'AnthropicLLM',
    beforeEach: async () => {
      replies = [];
      server = await FakeHttpServer.start({
        'POST /v1/messages': (req, res) => {
          if (req.header('x-api-key') !== 'test-key') return res.json(401, { type: 'error', error: { type: 'authentication_error' } });
          const reply = replies.shift() ?? { text: 'unscripted' };
          return res.stream({ headers: { 'content-type': 'text/event-stream' }, chunks: messageEvents(reply), delayMs: reply.delayMs ?? 0 });
        },
      });
    },
    afterEach: () => server?.close(),
    createProvider: () => new AnthropicLLM({ apiKey: 'test-key', baseUrl: server?.url ?? '' }),
    scriptReply: (reply) => void replies.push(reply),
    lastRequestClosed: async () => server?.requests.at(-1)?.clientClosed,
  });
}

describe.skipIf(!(process.env.PATTER_LIVE_TESTS && process.env.ANTHROPIC_API_KEY))('AnthropicLLM live', () => {
  it('streams a short answer with usage', async () => {
    const out = await collect(new AnthropicLLM({ maxTokens: 20 }).chat([{ role: 'user', content: 'Reply with the single word: ready' }]));
    expect(out.filter((d) => d.type === 'text').map((d) => d.text).join('').toLowerCase()).toContain('ready');
    expect(out.some((d) => d.type === 'usage')).toBe(true);
  });
});
