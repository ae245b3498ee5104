import { type Logger, silentLogger } from '@patter/core';
import { FakeWebSocketServer, type FakeWebSocketConnection, irregularChunks, textAudio } from '@patter/testing';
import { describeTTSConformance } from '@patter/testing/vitest';
import { ElevenLabsTTS } from './index.js';

const VOICE = '21m00Tcm4TlvDq8ikWAM';
const FORMATS = ['pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000', 'ulaw_8000', 'alaw_8000'];
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
      for (const chunk of irregularChunks(textAudio(text))) {
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
  createProvider: () => new ElevenLabsTTS({ apiKey: 'test-key', voiceId: VOICE, baseUrl: fake.httpUrl, logger: silentLogger }),
  expectedAudio: textAudio,
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
