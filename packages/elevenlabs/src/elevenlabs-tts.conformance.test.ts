import type { Logger } from '@patter/core';
import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';
import { describeTTSConformance } from '@patter/testing/vitest';
import { ElevenLabsTTS } from './index.js';

const VOICE = '21m00Tcm4TlvDq8ikWAM';
const FORMATS = ['pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000', 'ulaw_8000', 'alaw_8000'];
const SIZES = [1, 3, 64, 2, 7, 500, 33, 1000];
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** Deterministic audio per text (whole samples): what the fake speaks. */
function speechFor(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 64);
  let h = 11;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  for (let i = 0; i < out.length; i++) out[i] = (h + i * 13) & 0xff;
  return out;
}

/** The audio cut at irregular byte offsets (odd ones included), one `audio` message each. */
function irregular(audio: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < audio.length; i++) {
    const size = SIZES[i % SIZES.length] as number;
    chunks.push(audio.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Breaks the exchange the way ElevenLabs does: an error message, then close 1008. */
async function reject(conn: FakeWebSocketConnection, why: string): Promise<void> {
  await conn.send({ message: why, error: 'invalid_request', code: 1008 });
  await conn.close(1008, 'invalid request');
}

/**
 * `stream-input` as the notes describe it: the handshake carries `xi-api-key` and the query
 * (`model_id`, `output_format`, `auto_mode`); the first message is the single-space init, the
 * next the text (ending with one space, `flush: true`); the audio goes back as base64 `audio`
 * messages cut at odd offsets, and `{"isFinal":true}` follows the end of input (`{"text":""}`).
 */
async function startFake(): Promise<FakeWebSocketServer> {
  return FakeWebSocketServer.start({
    onUpgrade: (req) => {
      if (req.path !== `/v1/text-to-speech/${VOICE}/stream-input`) return { reject: { status: 404 } };
      if (req.headers['xi-api-key'] !== 'test-key') return { reject: { status: 401, body: '{"detail":{"status":"invalid_api_key"}}' } };
      if (req.query.get('model_id') !== 'eleven_flash_v2_5') return { reject: { status: 400 } };
      if (!FORMATS.includes(req.query.get('output_format') ?? '')) return { reject: { status: 400 } };
      if (req.query.get('auto_mode') !== 'true') return { reject: { status: 400 } };
      return undefined;
    },
    onConnection: async (conn) => {
      const init = JSON.parse(String((await conn.nextMessage()).data)) as Record<string, unknown>;
      if (init.text !== ' ' || 'xi-api-key' in init || 'xi_api_key' in init) return reject(conn, 'bad init message');
      const input = JSON.parse(String((await conn.nextMessage()).data)) as { text?: unknown; flush?: unknown };
      if (typeof input.text !== 'string' || !/[^ ] $/.test(input.text) || input.flush !== true) return reject(conn, 'bad text message');
      const text = input.text.slice(0, -1);
      const delayMs = text.length > 60 ? 5 : 0;
      for (const chunk of irregular(speechFor(text))) {
        const message = { audio: Buffer.from(chunk).toString('base64'), isFinal: false };
        await (delayMs > 0 ? conn.sendAfter(delayMs, message) : conn.send(message));
        if (!conn.isOpen) return;
      }
      const end = JSON.parse(String((await conn.nextMessage()).data)) as { text?: unknown };
      if (end.text !== '') return reject(conn, 'expected the end of input');
      await conn.send({ isFinal: true });
      await conn.close(1000);
    },
  });
}

let fake: FakeWebSocketServer;
describeTTSConformance({
  name: 'ElevenLabsTTS (stream-input)',
  createProvider: () => new ElevenLabsTTS({ apiKey: 'test-key', voiceId: VOICE, baseUrl: fake.httpUrl, logger: quiet }),
  expectedAudio: speechFor,
  lastRequestClosed: async () => {
    const conn = fake.connections.at(-1);
    const closed = await conn?.closed;
    if (!closed || closed.byServer) throw new Error('the fake closed the socket instead of seeing the client close it');
  },
  beforeEach: async () => {
    fake = await startFake();
  },
  afterEach: async () => {
    const errors = [...fake.errors];
    await fake.close();
    if (errors.length > 0) throw new Error(`the fake failed: ${String(errors[0])}`);
  },
});
