import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { PCM16_16K } from '../audio/audio-format.js';
import { ProviderAuthError, ProviderStatusError } from '../errors/provider-error.js';
import type { Logger } from '../log/logger.js';
import type { Transcript } from './transcript.js';
import { transcript } from './transcript.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';
import { createWebSocketSTTStream } from './web-socket-stt-stream.js';

// A toy vendor: audio bytes carry "words" (each 20 ms frame is filled with a word's id); on the
// text frame `finalize` it answers with the words of the audio it received since its last
// final, and `until` (seconds of this connection's audio). `bye` → `{type:"bye"}` then close.
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];
const FRAME = 640; // 20 ms of PCM16 16 kHz

interface Conn {
  socket: ServerSocket;
  req: IncomingMessage;
  audio: number[];
  messages: Buffer[];
  texts: string[];
}

let server: Server | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  wss?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function fake(opts: { status?: number; refuseFirst?: string; dropFirstFinalize?: boolean; onText?: (conn: Conn, text: string) => void } = {}) {
  const conns: Conn[] = [];
  let upgrades = 0;
  const upgradeTimes: number[] = [];
  wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    upgrades++;
    upgradeTimes.push(Date.now());
    if (opts.refuseFirst && upgrades === 1) {
      socket.end(opts.refuseFirst);
      return;
    }
    if (opts.status) {
      socket.end(`HTTP/1.1 ${opts.status} Nope\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss?.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { socket: ws, req, audio: [], messages: [], texts: [] };
      let finalFrom = 0;
      conns.push(conn);
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          conn.messages.push(data);
          for (const byte of data) conn.audio.push(byte);
          return;
        }
        const text = data.toString();
        conn.texts.push(text);
        if (opts.onText) return opts.onText(conn, text);
        if (text === 'finalize' && opts.dropFirstFinalize && conns.indexOf(conn) === 0) {
          ws.terminate();
        } else if (text === 'finalize') {
          const words = decode(conn.audio.slice(finalFrom));
          finalFrom = conn.audio.length;
          ws.send(JSON.stringify({ type: 'final', text: words.join(' '), until: conn.audio.length / 32000 }));
        } else if (text === 'bye') {
          ws.send(JSON.stringify({ type: 'bye' }));
          ws.close(1000);
        }
      });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/listen`;
  return { url, conns, upgrades: () => upgrades, upgradeTimes };
}

function decode(bytes: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += FRAME) {
    const word = WORDS[bytes[i] ?? 0] ?? '';
    if (word && out[out.length - 1] !== word) out.push(word);
  }
  return out;
}

function frame(word: string): Uint8Array {
  return new Uint8Array(FRAME).fill(WORDS.indexOf(word));
}

function adapter(url: string, extra: Partial<WebSocketSTTAdapter> = {}): WebSocketSTTAdapter {
  return {
    provider: 'toy',
    apiKeyEnv: 'TOY_API_KEY',
    request: () => ({ url, headers: { authorization: 'Token k' } }),
    finalizeMessage: 'finalize',
    close: (io) => io.send('bye'),
    reconnect: { minDelayMs: 5, maxDelayMs: 20 },
    onMessage(message, ctx) {
      const m = message as { type?: string; text?: string; until?: number };
      if (m.type === 'final') {
        ctx.emit(transcript({ text: m.text ?? '', isFinal: true, fromFinalize: true }));
        ctx.commit(m.until);
        ctx.notify('flushed');
        return true;
      }
      if (m.type === 'bye') {
        ctx.notify('done');
        return true;
      }
      if (m.type === 'oops') {
        ctx.error(new ProviderStatusError('toy', 400, 'bad config'));
        return true;
      }
      return false;
    },
    ...extra,
  };
}

function capture(): { logger: Logger; lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const make = (): Logger => ({
    debug: (fields, msg) => lines.push({ level: 'debug', msg, fields }),
    info: (fields, msg) => lines.push({ level: 'info', msg, fields }),
    warn: (fields, msg) => lines.push({ level: 'warn', msg, fields }),
    error: (fields, msg) => lines.push({ level: 'error', msg, fields }),
    child: () => make(),
  });
  return { logger: make(), lines };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function collect(stream: { transcripts(): AsyncIterable<Transcript> }): Promise<Transcript[]> {
  const out: Transcript[] = [];
  for await (const t of stream.transcripts()) out.push(t);
  return out;
}

describe('createWebSocketSTTStream', () => {
  it('buffers audio sent before the socket opens, then streams it in order', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    stream.sendAudio(frame('hello'));
    stream.sendAudio(frame('there'));
    const all = collect(stream);
    await until(() => (f.conns[0]?.audio.length ?? 0) === 2 * FRAME);
    stream.finalize();
    await until(() => f.conns[0]?.texts.includes('finalize') ?? false);
    await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    const got = await all;
    expect(got.map((t) => [t.text, t.isFinal, t.fromFinalize])).toEqual([['hello there', true, true]]);
    expect(f.conns[0]?.req.headers.authorization).toBe('Token k');
    expect(f.conns[0]?.texts).toEqual(['finalize', 'bye']);
    expect(stream.usage().audioSeconds).toBeCloseTo(0.04, 5);
  });

  it('holds a finalize() called before the socket opens until the buffered audio went out', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream);
    stream.sendAudio(frame('general'));
    stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await until(() => f.conns[0]?.texts.includes('finalize') ?? false);
    await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    expect((await all).map((t) => t.text)).toEqual(['general kenobi']);
  });

  it('close() right after the first audio still lets the socket open, drain and close', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream);
    stream.sendAudio(frame('kenobi'));
    stream.finalize();
    await stream.close(); // the socket is not open yet
    expect((await all).map((t) => t.text)).toEqual(['kenobi']);
    expect(f.conns[0]?.texts).toEqual(['finalize', 'bye']);
  });

  it('coalesces 20 ms frames into messages of at least minChunkMs', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url, { minChunkMs: 50 }), { format: PCM16_16K });
    const all = collect(stream);
    await until(() => f.conns.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 10; i++) stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) >= 9 * FRAME);
    await stream.close();
    await all;
    const sizes = f.conns[0]?.messages.map((m) => m.byteLength) ?? [];
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeGreaterThanOrEqual(1600);
    // 200 ms written; the 20 ms tail under the minimum is never sent as a short message.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(9 * FRAME);
  });

  it('with chunkMs, coalesces 20 ms frames into messages of that length; a partial chunk goes after chunkMs, or at once on finalize', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url, { chunkMs: 100 }), { format: PCM16_16K });
    const all = collect(stream);
    await until(() => f.conns.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    const sentAt = performance.now();
    for (let i = 0; i < 12; i++) stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) >= 10 * FRAME);
    expect(f.conns[0]?.messages.map((m) => m.byteLength)).toEqual([5 * FRAME, 5 * FRAME]);
    // The caller audio stops mid-chunk: the two frames left go once they waited 100 ms.
    await until(() => (f.conns[0]?.audio.length ?? 0) === 12 * FRAME);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(95);
    stream.sendAudio(frame('there'));
    stream.finalize();
    await until(() => f.conns[0]?.texts.includes('finalize') ?? false);
    expect(f.conns[0]?.messages.map((m) => m.byteLength)).toEqual([5 * FRAME, 5 * FRAME, 2 * FRAME, FRAME]);
    await stream.close();
    await all;
  });

  it('reconnects after a dropped socket and re-sends the audio since the last final', async () => {
    const f = await fake();
    const { logger, lines } = capture();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, logger });
    const all = collect(stream);
    stream.sendAudio(frame('general'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === FRAME);
    stream.finalize(); // "general" is final: not replayed
    await until(() => lines.length >= 0 && (f.conns[0]?.texts.length ?? 0) === 1);
    await new Promise((r) => setTimeout(r, 30));
    stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === 2 * FRAME);
    f.conns[0]?.socket.terminate(); // mid-utterance drop
    stream.sendAudio(frame('there')); // while reconnecting
    await until(() => (f.conns[1]?.audio.length ?? 0) === 2 * FRAME);
    stream.finalize();
    await until(() => f.conns[1]?.texts.includes('finalize') ?? false);
    await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    const got = await all;
    expect(got.map((t) => t.text)).toEqual(['general', 'hello there']);
    expect(f.upgrades()).toBe(2);
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'stt socket dropped; reconnecting')).toBe(true);
  });

  it('repeats a finalize the dropped socket never answered, after the replay', async () => {
    const f = await fake({ dropFirstFinalize: true });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream);
    stream.sendAudio(frame('hello'));
    stream.sendAudio(frame('there'));
    stream.finalize(); // the fake drops the socket instead of answering
    await until(() => f.conns[1]?.texts.includes('finalize') ?? false);
    await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    expect((await all).map((t) => t.text)).toEqual(['hello there']);
    expect(f.conns[1]?.texts).toEqual(['finalize', 'bye']);
  });

  it('sendText before the socket opens goes out right after it opens', async () => {
    const f = await fake({ onText: () => {} });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, closeTimeoutMs: 50 });
    expect(stream.sendText('{"type":"Update"}')).toBe(true);
    await until(() => (f.conns[0]?.texts.length ?? 0) === 1);
    expect(f.conns[0]?.texts).toEqual(['{"type":"Update"}']);
    await stream.close();
    expect(stream.sendText('late')).toBe(false);
  });

  it('fails at once on a 401, naming the env var, without retrying', async () => {
    const f = await fake({ status: 401 });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const error = await collect(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
    expect((error as Error).message).toContain('TOY_API_KEY');
    await new Promise((r) => setTimeout(r, 50));
    expect(f.upgrades()).toBe(1);
  });

  it('honours retry-after from a 429 before reconnecting', async () => {
    const f = await fake({ refuseFirst: 'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n' });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === FRAME, 3000);
    await stream.close();
    expect(f.upgrades()).toBe(2);
    expect((f.upgradeTimes[1] ?? 0) - (f.upgradeTimes[0] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('logs and drops malformed JSON and unknown messages, and keeps going', async () => {
    const f = await fake();
    const { logger, lines } = capture();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, logger });
    const all = collect(stream);
    await until(() => f.conns.length === 1);
    f.conns[0]?.socket.send('{not json');
    f.conns[0]?.socket.send(JSON.stringify({ type: 'Mystery' }));
    f.conns[0]?.socket.send(JSON.stringify({ type: 'final', text: 'still here', until: 0 }));
    await until(() => lines.some((l) => l.msg === 'stt unknown message dropped'));
    await stream.close();
    expect((await all).map((t) => t.text)).toEqual(['still here']);
    expect(lines.find((l) => l.msg === 'stt malformed message dropped')?.level).toBe('warn');
    expect(lines.find((l) => l.msg === 'stt unknown message dropped')?.fields.type).toBe('Mystery');
  });

  it('fails with the vendor error when it is not retryable', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream).catch((e: unknown) => e);
    await until(() => f.conns.length === 1);
    f.conns[0]?.socket.send(JSON.stringify({ type: 'oops' }));
    const error = await all;
    expect(error).toBeInstanceOf(ProviderStatusError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(f.upgrades()).toBe(1);
  });

  it('emits nothing after an abort and closes the socket', async () => {
    const f = await fake();
    const controller = new AbortController();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, signal: controller.signal });
    const all = collect(stream);
    await until(() => f.conns.length === 1);
    controller.abort();
    f.conns[0]?.socket.send(JSON.stringify({ type: 'final', text: 'late', until: 0 }));
    expect(await all).toEqual([]);
    await until(() => f.conns[0]?.socket.readyState === 3);
    stream.sendAudio(frame('hello'));
    expect(stream.usage().audioSeconds).toBe(0);
  });

  it('sends keep-alives only while no audio flows', async () => {
    const f = await fake({ onText: () => {} });
    const stream = createWebSocketSTTStream(
      adapter(f.url, { keepAlive: { intervalMs: 250, message: '{"type":"KeepAlive"}', onlyWhenIdle: true } }),
      { format: PCM16_16K, closeTimeoutMs: 50 },
    );
    await until(() => f.conns.length === 1);
    const feeding = setInterval(() => stream.sendAudio(frame('hello')), 10);
    await new Promise((r) => setTimeout(r, 600));
    clearInterval(feeding);
    const whileTalking = f.conns[0]?.texts.length ?? -1;
    await until(() => (f.conns[0]?.texts.length ?? 0) >= 2);
    await stream.close();
    expect(whileTalking).toBe(0);
    expect(f.conns[0]?.texts.slice(0, 2)).toEqual(['{"type":"KeepAlive"}', '{"type":"KeepAlive"}']);
  });

  it('keeps only maxBufferMs of audio while the vendor is unreachable', async () => {
    const f = await fake();
    const { logger, lines } = capture();
    const stream = createWebSocketSTTStream(adapter(f.url, { request: () => ({ url: 'ws://127.0.0.1:1/x' }) }), {
      format: PCM16_16K,
      maxBufferMs: 100,
      logger,
    });
    for (let i = 0; i < 10; i++) stream.sendAudio(frame('hello'));
    expect(lines.filter((l) => l.msg === 'stt audio buffer full; oldest audio dropped')).toHaveLength(1);
    await stream.close();
    expect(stream.usage().audioSeconds).toBeCloseTo(0.2, 5);
  });

  it('uses a parked socket for the first connection without a new handshake', async () => {
    const f = await fake();
    const { connectWebSocket } = await import('../net/connect-web-socket.js');
    const parked = await connectWebSocket(f.url, { provider: 'toy' });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, socket: parked });
    const all = collect(stream);
    stream.sendAudio(frame('kenobi'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === FRAME);
    stream.finalize();
    await until(() => f.conns[0]?.texts.includes('finalize') ?? false);
    await new Promise((r) => setTimeout(r, 30));
    await stream.close();
    expect((await all).map((t) => t.text)).toEqual(['kenobi']);
    expect(f.upgrades()).toBe(1);
  });
});
