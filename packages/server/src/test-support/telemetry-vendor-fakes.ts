import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeHttpServer, type FakeHttpRequest, type FakeHttpResponse } from '@patter/testing';
import { WebSocketServer, type WebSocket } from 'ws';

/** The keys the fakes accept: long and distinct, so a test can look for them in logs. */
export const VENDOR_KEYS = {
  deepgram: 'dg-secret-4b1f9e7c2a5d',
  soniox: 'sx-secret-8e2c6a1f9b3d',
  openai: 'sk-oa-secret-3c7e1a9f5b2d',
  cartesia: 'ca-secret-6d2b8f4a1e7c',
} as const;

/** A loopback fake: its URL and how to close it. */
export interface Fake {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A WebSocket STT fake on `path`: after each `bytesPerFinal` of audio it sends `final(text)`
 * for the next of `finals`. The caller's bearer/token header must match `auth`.
 */
async function wsSttFake(path: string, auth: string, finals: string[], final: (text: string) => object, bytesPerFinal = 8000): Promise<Fake> {
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path || req.headers.authorization !== auth) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let since = 0;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          const type = (JSON.parse(String(data)) as { type?: string }).type;
          if (type === 'CloseStream') ws.close(1000);
          return;
        }
        const bytes = (data as Buffer).length;
        if (bytes === 0) return void ws.close(1000);
        since += bytes;
        const text = finals[0];
        if (text !== undefined && since >= bytesPerFinal) {
          finals.shift();
          since = 0;
          ws.send(JSON.stringify(final(text)));
        }
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Deepgram `/v1/listen` : a `Results` final with `speech_final` per second of audio. */
export function fakeDeepgram(finals: string[]): Promise<Fake> {
  return wsSttFake('/v1/listen', `Token ${VENDOR_KEYS.deepgram}`, finals, (text) => ({
    type: 'Results', is_final: true, speech_final: true, start: 0, duration: 1, metadata: { request_id: 'dg-req-0001' },
    channel: { alternatives: [{ transcript: text, confidence: 0.98, words: [] }] },
  }));
}

/** Soniox `/transcribe-websocket` : final tokens then `<end>` per second of audio. */
export function fakeSoniox(finals: string[]): Promise<Fake> {
  return wsSttFake('/transcribe-websocket', `Bearer ${VENDOR_KEYS.soniox}`, finals, (text) => ({
    tokens: [
      { text, start_ms: 0, end_ms: 900, confidence: 0.95, is_final: true, language: 'en' },
      { text: '<end>', is_final: true },
    ],
    final_audio_proc_ms: 1000,
    total_audio_proc_ms: 1000,
  }));
}

const chunk = (delta: object, finish: string | null = null) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }],
});
const usage = (prompt: number, completion: number, cached: number) => ({
  id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: { cached_tokens: cached } },
});

/** The pause before a stream's last part (LLM usage, the second half of TTS audio): spans must reach it. */
export const STREAM_TAIL_MS = 40;

/** Server-sent events with `headers`; the `usage` event comes `STREAM_TAIL_MS` after the others. */
function sse(res: FakeHttpResponse, events: readonly unknown[], headers: Record<string, string>): void {
  void res.stream({
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
    chunks: events.map((event) => ({
      data: `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`,
      delayMs: typeof event === 'object' && event !== null && 'usage' in event ? STREAM_TAIL_MS : 0,
    })),
  });
}

/**
 * OpenAI chat completions : the first request calls the tool `tool` (if given),
 * every other one answers `reply` in two deltas, each with usage. Each response names its
 * request in `x-request-id` (`req_oa_1`, `req_oa_2` …), as the API reference says.
 */
export async function fakeOpenAIChat(reply: string, tool?: string): Promise<Fake & { readonly requests: FakeHttpRequest[] }> {
  const requests: FakeHttpRequest[] = [];
  const server = await FakeHttpServer.start({
    'POST /v1/chat/completions': (req, res) => {
      if (req.header('authorization') !== `Bearer ${VENDOR_KEYS.openai}`) return res.json(401, { error: { message: 'bad key' } });
      requests.push(req);
      const headers = { 'x-request-id': `req_oa_${requests.length}` };
      if (tool !== undefined && requests.length === 1) {
        return sse(res, [
          chunk({ role: 'assistant', content: '' }),
          chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: tool, arguments: '{"day":"Monday"}' } }] }),
          chunk({}, 'tool_calls'),
          usage(40, 10, 0),
          '[DONE]',
        ], headers);
      }
      const half = Math.ceil(reply.length / 2);
      sse(res, [chunk({ role: 'assistant', content: reply.slice(0, half) }), chunk({ content: reply.slice(half) }), chunk({}, 'stop'), usage(60, 8, 20), '[DONE]'], headers);
    },
  });
  return { url: `${server.url}/v1`, requests, close: () => server.close() };
}

/** Cartesia `/tts/bytes` : 10 ms of μ-law per character, in two chunks (the second `STREAM_TAIL_MS` later). */
export async function fakeCartesia(): Promise<Fake> {
  const server = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      if (req.header('authorization') !== `Bearer ${VENDOR_KEYS.cartesia}`) return res.json(401, { error: 'bad key' });
      const body = req.json() as { transcript: string };
      const audio = new Uint8Array(body.transcript.length * 80).fill(0x2a);
      void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio.subarray(0, 400), { data: audio.subarray(400), delayMs: STREAM_TAIL_MS }], then: 'end' });
    },
  });
  return { url: server.url, close: () => server.close() };
}

/** The query token of the webhook tool's URL (users put credentials there). */
export const WEBHOOK_URL_TOKEN = 'wh-url-token-5f1e9d3c7b';

/**
 * A webhook tool's endpoint (`/tool?token=…`): records each request (headers included) and
 * answers JSON. With `failFirst`, the first request gets a 500 whose body echoes the request's
 * URL and headers, as debugging endpoints do (the error body ends up in the retry's log line).
 */
export async function fakeWebhook(failFirst = false): Promise<Fake & { readonly requests: FakeHttpRequest[] }> {
  const requests: FakeHttpRequest[] = [];
  const server = await FakeHttpServer.start({
    'POST /tool': (req, res) => {
      requests.push(req);
      if (failFirst && requests.length === 1) return res.json(500, { error: 'boom', url: req.raw.url, headers: req.headers });
      res.json(200, { open: '9:00' });
    },
  });
  return { url: `${server.url}/tool?token=${WEBHOOK_URL_TOKEN}`, requests, close: () => server.close() };
}
