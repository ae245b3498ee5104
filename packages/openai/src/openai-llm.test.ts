import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ProviderAuthError, ProviderError, StreamIdleTimeoutError, createLLM, type ChatMessage, type LLMDelta, type ToolSpec } from '@patter/core';
import { FakeHttpServer, type FakeHttpResponse, type LLMScriptedReply } from '@patter/testing';
import { describeLLMConformance } from '@patter/testing/vitest';
import { LLM, OpenAILLM } from './index.js';

// Fixture 2 of the OpenAI protocol notes (shared/protocols/openai.md): a tool call streamed in fragments, then "Sure, booked."
const SYSTEM = 'You are a friendly restaurant booking agent.';
const BOOK_TABLE: ToolSpec = { name: 'book_table', description: 'Book a restaurant table', parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'], additionalProperties: false } };
const TOOLS = [{ type: 'function', function: { name: 'book_table', description: 'Book a restaurant table', parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'], additionalProperties: false }, strict: true } }];
const REQUEST_1 = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Book me a table for Monday.' }], tools: TOOLS, tool_choice: 'auto', stream: true, stream_options: { include_usage: true }, temperature: 0.7, max_completion_tokens: 256 };
const REQUEST_2 = { ...REQUEST_1, messages: [...REQUEST_1.messages, { role: 'assistant', content: null, tool_calls: [{ id: 'call_Xq7bK2mP9vL4', type: 'function', function: { name: 'book_table', arguments: '{"day":"Monday"}' } }] }, { role: 'tool', tool_call_id: 'call_Xq7bK2mP9vL4', content: '{"ok":true,"ref":"B-42"}' }] };
const head = (id: string, created: number) => `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559",`;
const h1 = head('chatcmpl-BookA1b2C3', 1767225600);
const h2 = head('chatcmpl-BookD4e5F6', 1767225602);
const RESPONSE_1 = [
  `${h1}"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Xq7bK2mP9vL4","type":"function","function":{"name":"book_table","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h1}"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"da"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h1}"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"y\\":\\"Mon"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h1}"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"day\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h1}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}`,
  `${h1}"choices":[],"usage":{"prompt_tokens":71,"completion_tokens":15,"total_tokens":86,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
  '[DONE]',
];
const RESPONSE_2 = [
  `${h2}"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h2}"choices":[{"index":0,"delta":{"content":"Sure"},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h2}"choices":[{"index":0,"delta":{"content":", booked"},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h2}"choices":[{"index":0,"delta":{"content":"."},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${h2}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
  `${h2}"choices":[],"usage":{"prompt_tokens":104,"completion_tokens":5,"total_tokens":109,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
  '[DONE]',
];

type Handler = (res: FakeHttpResponse) => unknown;

/** Loopback `POST /v1/chat/completions`, checking what OpenAI checks; answers with the queued handlers. */
async function fakeChat(auth: string | undefined, ...handlers: Handler[]) {
  const bodies: Record<string, unknown>[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      const error = (status: number, code: string, type = 'invalid_request_error', headers: Record<string, string> = {}) =>
        res.json(status, { error: { message: code, type, param: null, code } }, headers);
      if (req.header('authorization') !== auth) return error(401, 'invalid_api_key');
      let body: Record<string, unknown>;
      try {
        body = req.json();
      } catch {
        return error(400, 'invalid_json');
      }
      if (req.header('content-type') !== 'application/json' || typeof body.model !== 'string' || !Array.isArray(body.messages)) return error(400, 'invalid_request');
      bodies.push(body);
      const handler = handlers.shift();
      if (!handler) return error(500, 'no_script', 'server_error');
      void handler(res);
    },
  });
  return { url: `${server.url}/v1`, bodies, server, hits: () => server.requests.length };
}

const sse = (events: readonly string[]): Handler => (res) => res.sse(events);
const status = (code: number, body: unknown, headers: Record<string, string> = {}): Handler => (res) => res.json(code, body, headers);

async function collect(stream: AsyncIterable<LLMDelta>): Promise<LLMDelta[]> {
  const out: LLMDelta[] = [];
  for await (const d of stream) out.push(d);
  return out;
}

describe('OpenAILLM', () => {
  let server: FakeHttpServer | undefined;
  afterEach(() => server?.close());

  it('replays fixture 2: a tool call streamed in fragments, the result fed back, then "Sure, booked."', async () => {
    const fake = await fakeChat('Bearer test-key', sse(RESPONSE_1), sse(RESPONSE_2));
    server = fake.server;
    // The fake is OpenAI at another address: the key is given explicitly, OpenAI's token field is pinned.
    const llm = new OpenAILLM({ apiKey: 'test-key', baseUrl: fake.url, temperature: 0.7, maxTokens: 256, maxTokensField: 'max_completion_tokens', strictTools: true });
    const history: ChatMessage[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Book me a table for Monday.' }];

    const first = await collect(llm.chat(history, { tools: [BOOK_TABLE] }));
    expect(fake.bodies[0]).toEqual(REQUEST_1);
    expect(first).toEqual([
      { type: 'toolCall', call: { id: 'call_Xq7bK2mP9vL4', name: 'book_table', arguments: '{"day":"Monday"}' } },
      { type: 'usage', usage: { inputTokens: 71, outputTokens: 15, cachedInputTokens: 0 } },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
    const call = (first[0] as Extract<LLMDelta, { type: 'toolCall' }>).call;
    expect(JSON.parse(call.arguments)).toEqual({ day: 'Monday' });

    history.push({ role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', toolCallId: call.id, name: call.name, content: '{"ok":true,"ref":"B-42"}' });
    const second = await collect(llm.chat(history, { tools: [BOOK_TABLE] }));
    expect(fake.bodies[1]).toEqual(REQUEST_2);
    expect(second.filter((d) => d.type === 'text').map((d) => d.text).join('')).toBe('Sure, booked.');
    expect(second.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 104, outputTokens: 5, cachedInputTokens: 0 } },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('assembles parallel tool calls by index, skips malformed lines and ignores unknown keys', async () => {
    const fake = await fakeChat('Bearer test-key', sse([
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"x","arguments":"{\\"n\\":"}},{"index":1,"id":"b","function":{"name":"y","arguments":""}}]}}],"obfuscation":"p9K3"}',
      'not json at all',
      '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}},{"index":0,"function":{"arguments":"1}"}}]}}]}',
      '{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}',
      '[DONE]',
    ]));
    server = fake.server;
    const out = await collect(LLM({ apiKey: 'test-key', baseUrl: fake.url }).chat([{ role: 'user', content: 'go' }]));
    expect(out).toEqual([
      { type: 'toolCall', call: { id: 'a', name: 'x', arguments: '{"n":1}' } },
      { type: 'toolCall', call: { id: 'b', name: 'y', arguments: '{}' } },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });

  it('a 401 is not retried and names OPENAI_API_KEY', async () => {
    const fake = await fakeChat('Bearer right');
    server = fake.server;
    const error = await collect(new OpenAILLM({ apiKey: 'wrong', baseUrl: fake.url, apiKeyEnv: 'OPENAI_API_KEY' }).chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('OPENAI_API_KEY');
    expect(fake.hits()).toBe(1);
  });

  it('retries 429/5xx before the first token honouring retry-after, but not quota errors or a stream cut after text', async () => {
    const ok = sse(RESPONSE_2);
    const fake = await fakeChat('Bearer k', status(429, { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '0' }), status(503, { error: { message: 'overloaded', type: 'server_error' } }), ok);
    server = fake.server;
    const llm = new OpenAILLM({ apiKey: 'k', baseUrl: fake.url });
    const out = await collect(llm.chat([{ role: 'user', content: 'hi' }]));
    expect(out.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(fake.hits()).toBe(3);

    const quota = await fakeChat('Bearer k', status(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } }));
    const quotaError = await collect(new OpenAILLM({ apiKey: 'k', baseUrl: quota.url }).chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect((quotaError as ProviderError).status).toBe(429);
    expect(quota.hits()).toBe(1);
    await quota.server.close();

    const cut = await fakeChat('Bearer k', (res) => res.sse([RESPONSE_2[1]], { then: 'destroy' }), sse(RESPONSE_2));
    const seen: LLMDelta[] = [];
    const cutError = await (async () => {
      for await (const d of new OpenAILLM({ apiKey: 'k', baseUrl: cut.url }).chat([{ role: 'user', content: 'hi' }])) seen.push(d);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text', text: 'Sure' }]);
    expect(cutError).toBeInstanceOf(ProviderError);
    expect(cut.hits()).toBe(1);
    await cut.server.close();
  });

  it('an error payload inside the stream becomes a ProviderError', async () => {
    const fake = await fakeChat('Bearer k', sse([RESPONSE_2[1] as string, '{"error":{"message":"bad things","type":"invalid_request_error","code":null}}']));
    server = fake.server;
    const error = await collect(new OpenAILLM({ apiKey: 'k', baseUrl: fake.url }).chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).body).toMatchObject({ message: 'bad things' });
  });

  it('an `event: error` line is an error too; a compatible server ending at [DONE] without a finish reason still gets its tool calls', async () => {
    const raw = (chunks: string[]): Handler => (res) => res.stream({ headers: { 'content-type': 'text/event-stream' }, chunks });
    const fake = await fakeChat(
      'Bearer k',
      raw([`data: ${RESPONSE_2[1]}\n\n`, 'event: error\ndata: {"message":"upstream overloaded","code":503}\n\n']),
      raw([
        'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"book_table","arguments":"{\\"day\\":"}}]}}]}\n\n',
        'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Monday\\"}"}}]}}]}\n\n',
        'data: [DONE]\n\n',
      ]),
    );
    server = fake.server;
    const llm = new OpenAILLM({ apiKey: 'k', baseUrl: fake.url, maxRetries: 0 });
    const seen: LLMDelta[] = [];
    const error = await (async () => {
      for await (const d of llm.chat([{ role: 'user', content: 'hi' }])) seen.push(d);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text', text: 'Sure' }]);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).body).toMatchObject({ message: 'upstream overloaded' });

    const out = await collect(llm.chat([{ role: 'user', content: 'Book Monday.' }], { tools: [BOOK_TABLE] }));
    expect(out).toEqual([
      { type: 'toolCall', call: { id: 'call_1', name: 'book_table', arguments: '{"day":"Monday"}' } },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });

  it('abort (barge-in) ends the stream quietly and closes the request at once', async () => {
    const fake = await fakeChat('Bearer k', (res) => res.sse([RESPONSE_2[1]], { then: 'hang' })); // like a model still thinking
    server = fake.server;
    const controller = new AbortController();
    const out: LLMDelta[] = [];
    const started = performance.now();
    for await (const d of new OpenAILLM({ apiKey: 'k', baseUrl: fake.url }).chat([{ role: 'user', content: 'hi' }], { signal: controller.signal })) {
      out.push(d);
      controller.abort();
    }
    expect(out).toEqual([{ type: 'text', text: 'Sure' }]);
    await fake.server.requests[0]?.clientClosed;
    expect(fake.server.requests[0]?.clientAborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a chat stream that stalls after a few chunks is aborted after idleTimeoutMs with StreamIdleTimeoutError naming openai, not retried', async () => {
    const fake = await fakeChat('Bearer k', (res) => res.sse(RESPONSE_2.slice(0, 3), { then: 'hang' }));
    server = fake.server;
    const out: LLMDelta[] = [];
    const started = performance.now();
    const error = await (async () => {
      for await (const d of new OpenAILLM({ apiKey: 'k', baseUrl: fake.url, idleTimeoutMs: 250 }).chat([{ role: 'user', content: 'hi' }])) out.push(d);
    })().catch((e: unknown) => e);
    const waited = performance.now() - started;
    expect(out).toEqual([{ type: 'text', text: 'Sure' }, { type: 'text', text: ', booked' }]);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'openai', idleMs: 250 });
    expect(waited).toBeGreaterThanOrEqual(240);
    expect(waited).toBeLessThan(3000);
    expect(fake.hits()).toBe(1);
    await fake.server.requests[0]?.clientClosed; // the request was destroyed
    expect(() => new OpenAILLM({ apiKey: 'k', idleTimeoutMs: -1 })).toThrow(/^idleTimeoutMs:/);
  });

  it('no response headers within idleTimeoutMs is a stall too (timeoutMs unset): StreamIdleTimeoutError, one request', async () => {
    const fake = await fakeChat('Bearer k', () => {}); // accepts the request, never answers
    server = fake.server;
    const started = performance.now();
    const error = await collect(new OpenAILLM({ apiKey: 'k', baseUrl: fake.url, idleTimeoutMs: 250 }).chat([{ role: 'user', content: 'hi' }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'openai', idleMs: 250 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(fake.hits()).toBe(1);
  });

  it('against a compatible server: no OPENAI_API_KEY leak, optional key, max_tokens; registered as openai', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-openai-secret';
    try {
      const fake = await fakeChat(undefined, sse(RESPONSE_2));
      server = fake.server;
      const local = LLM({ baseUrl: fake.url, model: 'llama3.2', maxTokens: 64 });
      await collect(local.chat([{ role: 'user', content: 'hi' }]));
      expect(fake.server.requests[0]?.headers.authorization).toBeUndefined();
      expect(fake.bodies[0]).toMatchObject({ model: 'llama3.2', max_tokens: 64 });
      expect(() => LLM({ baseUrl: fake.url, apiKeyEnv: 'GROQ_API_KEY' })).toThrow(/GROQ_API_KEY/);
      expect(createLLM('openai', {})).toBeInstanceOf(OpenAILLM);
      delete process.env.OPENAI_API_KEY;
      expect(() => LLM()).toThrow(ConfigError);
      expect(() => LLM()).toThrow(/OPENAI_API_KEY/);
      expect(() => LLM({ apiKey: 'k', temperature: 3 })).toThrow(/^temperature:/);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });
});

/** A scripted reply as Chat Completions chunks: text in word-sized deltas, each call's arguments in three fragments. */
function chatChunks(reply: LLMScriptedReply): string[] {
  const chunk = (delta: unknown, finish: string | null = null) => JSON.stringify({ id: 'chatcmpl-c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
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

{
  let server: FakeHttpServer | undefined;
  let replies: LLMScriptedReply[] = [];
  describeLLMConformance({
    name: 'OpenAILLM',
    beforeEach: async () => {
      replies = [];
      server = await FakeHttpServer.start({
        'POST /v1/chat/completions': (req, res) => {
          if (req.header('authorization') !== 'Bearer test-key') return res.json(401, { error: { message: 'bad key' } });
          const reply = replies.shift() ?? { text: 'unscripted' };
          return res.sse(chatChunks(reply), { delayMs: reply.delayMs ?? 0 });
        },
      });
    },
    afterEach: () => server?.close(),
    createProvider: () => new OpenAILLM({ apiKey: 'test-key', baseUrl: `${server?.url}/v1` }),
    scriptReply: (reply) => void replies.push(reply),
    lastRequestClosed: async () => server?.requests.at(-1)?.clientClosed,
  });
}

describe.skipIf(!(process.env.PATTER_LIVE_TESTS && process.env.OPENAI_API_KEY))('OpenAILLM live', () => {
  it('streams a short answer with usage', async () => {
    const out = await collect(new OpenAILLM({ maxTokens: 20 }).chat([{ role: 'user', content: 'Reply with the single word: ready' }]));
    expect(out.filter((d) => d.type === 'text').map((d) => d.text).join('').toLowerCase()).toContain('ready');
    expect(out.some((d) => d.type === 'usage')).toBe(true);
  });
});
