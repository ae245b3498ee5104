import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { PCM16_16K } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { transcript, type Transcript } from './transcript.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';
import { createWebSocketSTTStream } from './web-socket-stt-stream.js';

// How a WebSocket STT stream ends: the vendor's close frame comes in a later read than its last
// message (as over TLS), and the vendor must see a close frame (1000), never a reset (1006).
// The toy vendor "transcribes" each 20 ms frame filled with a word's index; on `bye` it sends
// the words still pending, then `{type:"bye"}`, then (unless `closeAfterBye` is false) its
// close frame on a later timer tick.
const WORDS = ['', 'hello', 'there', 'general', 'kenobi'];
const FRAME = 640;

interface Conn {
  socket: ServerSocket;
  texts: string[];
  audio: number[];
  /** The close code this side saw (1006 = no close frame). */
  closed: Promise<number>;
}

let server: Server | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  wss?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function fake(opts: { closeAfterBye?: boolean; mute?: (index: number) => boolean } = {}) {
  const conns: Conn[] = [];
  wss = new WebSocketServer({ noServer: true });
  server = createServer();
  server.on('upgrade', (req, socket, head) => {
    wss?.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { socket: ws, texts: [], audio: [], closed: new Promise((r) => ws.once('close', (code) => r(code))) };
      const index = conns.push(conn) - 1;
      const muted = opts.mute?.(index) ?? false;
      let finalFrom = 0;
      const sendFinal = () => {
        const words = decode(conn.audio.slice(finalFrom));
        finalFrom = conn.audio.length;
        if (words.length > 0) ws.send(JSON.stringify({ type: 'final', text: words.join(' ') }));
      };
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          for (const byte of data) conn.audio.push(byte);
          if (!muted) ws.send(JSON.stringify({ type: 'ack' }));
          return;
        }
        const text = data.toString();
        conn.texts.push(text);
        if (muted) return;
        if (text === 'finalize') sendFinal();
        if (text === 'bye') {
          sendFinal();
          ws.send(JSON.stringify({ type: 'bye' }));
          if (opts.closeAfterBye !== false) setTimeout(() => ws.close(1000), 30);
        }
      });
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/listen`, conns };
}

function decode(bytes: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += FRAME) {
    const word = WORDS[bytes[i] ?? 0] ?? '';
    if (word && out[out.length - 1] !== word) out.push(word);
  }
  return out;
}

const frame = (word: string): Uint8Array => new Uint8Array(FRAME).fill(WORDS.indexOf(word));

function adapter(url: string, extra: Partial<WebSocketSTTAdapter> = {}): WebSocketSTTAdapter {
  return {
    provider: 'toy',
    request: () => ({ url }),
    finalizeMessage: 'finalize',
    close: (io) => io.send('bye'),
    reconnect: { minDelayMs: 5, maxDelayMs: 20 },
    onMessage(message, ctx) {
      const m = message as { type?: string; text?: string };
      if (m.type === 'final') {
        ctx.emit(transcript({ text: m.text ?? '', isFinal: true }));
        ctx.commit();
        ctx.notify('flushed');
      } else if (m.type === 'bye') ctx.notify('done');
      return m.type === 'final' || m.type === 'bye' || m.type === 'ack';
    },
    ...extra,
  };
}

function capture() {
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

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function collect(stream: { transcripts(): AsyncIterable<Transcript> }): Promise<string[]> {
  const out: string[] = [];
  for await (const t of stream.transcripts()) out.push(t.text);
  return out;
}

describe('WebSocket STT stream: ending the session', () => {
  it('close() keeps the words sent after the end message and answers the vendor close frame that comes a tick later (1000, not 1006)', async () => {
    const f = await fake();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream);
    stream.sendAudio(frame('general'));
    stream.sendAudio(frame('kenobi'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === 2 * FRAME);
    await stream.close();
    expect(await all).toEqual(['general kenobi']);
    expect(f.conns[0]?.texts).toEqual(['bye']);
    expect(await f.conns[0]?.closed).toBe(1000);
  });

  it('a vendor that sends its last message but never closes gets our close frame (1000) within the bound', async () => {
    const f = await fake({ closeAfterBye: false });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K });
    const all = collect(stream);
    stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === FRAME);
    const started = Date.now();
    await stream.close();
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await all).toEqual(['hello']);
    expect(await f.conns[0]?.closed).toBe(1000);
  });

  it('an abort (the call is gone) still closes with a close frame, not a reset', async () => {
    const f = await fake();
    const controller = new AbortController();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, signal: controller.signal });
    void collect(stream);
    stream.sendAudio(frame('hello'));
    await until(() => (f.conns[0]?.audio.length ?? 0) === FRAME);
    controller.abort();
    expect(await f.conns[0]?.closed).toBe(1000);
  });
});

describe('WebSocket STT stream: a vendor that goes silent', () => {
  it('drops a socket that answers nothing while audio flows, warns naming the provider, reconnects and replays the audio', async () => {
    const f = await fake({ mute: (index) => index === 0 });
    const { logger, lines } = capture();
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, logger, inactivityTimeoutMs: 400 });
    const all = collect(stream);
    const words = ['hello', 'there'];
    let sent = 0;
    // Caller audio keeps flowing (20 ms frames), as on a call.
    const feeding = setInterval(() => stream.sendAudio(frame(words[sent++ < 10 ? 0 : 1] as string)), 20);
    try {
      await until(() => f.conns.length === 2);
      await until(() => (f.conns[1]?.audio.length ?? 0) > 0);
    } finally {
      clearInterval(feeding);
    }
    stream.finalize();
    await until(() => f.conns[1]?.texts.includes('finalize') ?? false);
    await stream.close();
    const got = await all;
    // Nothing was finalized on the silent socket, so everything from the first frame was replayed.
    expect(got.join(' ').startsWith('hello')).toBe(true);
    const warn = lines.find((l) => l.msg === 'stt socket silent while audio flows; reconnecting');
    expect(warn?.level).toBe('warn');
    expect(warn?.fields).toMatchObject({ provider: 'toy' });
    expect(warn?.fields.silentMs).toBeGreaterThanOrEqual(400);
  });

  it('does not count a vendor silent while no audio is sent', async () => {
    const f = await fake({ mute: () => true });
    const stream = createWebSocketSTTStream(adapter(f.url), { format: PCM16_16K, inactivityTimeoutMs: 100, closeTimeoutMs: 100 });
    void collect(stream);
    stream.sendAudio(frame('hello'));
    await new Promise((r) => setTimeout(r, 600));
    expect(f.conns).toHaveLength(1);
    await stream.close();
  });
});
