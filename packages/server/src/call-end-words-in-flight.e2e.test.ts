import { MULAW_8K, type CallEndSummary, type LLMProvider, type Logger, type TTSProvider } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { FakeTwilioApi, FakeWebSocketServer, loadFixture, TwilioSimulator, type FakeWebSocketConnection } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import { waitFor } from './test-support/test-server.js';

// The caller hangs up while Deepgram still holds words: the session closes the STT before it
// aborts anything, so Deepgram gets Finalize + CloseStream, its last words reach the call's
// transcript, and its close frame (sent in a later tick than its last message, as over TLS) is
// answered: the vendor sees 1000, not 1006. Also: "call started"/"call ended" are logged once.

const ACCOUNT_SID = 'AC' + 'c3'.repeat(16);
const AUTH_TOKEN = 'twilio-auth-token-for-call-end-tests';
const LATE_WORDS = 'my booking number is four two';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Deepgram `/v1/listen` (protocols/stt/deepgram.md): interims while audio flows; the words are final only on Finalize. */
async function fakeDeepgram() {
  const results = (transcript: string, f: { isFinal: boolean; fromFinalize: boolean }) =>
    JSON.stringify({
      type: 'Results', channel_index: [0, 1], start: 0, duration: 2, is_final: f.isFinal, speech_final: false,
      from_finalize: f.fromFinalize, channel: { alternatives: [{ transcript, confidence: 0.95, words: [] }] },
      metadata: { request_id: 'req-1' },
    });
  const server = await FakeWebSocketServer.start({
    path: '/v1/listen',
    onUpgrade: (req) => (req.headers.authorization === 'Token dg-key' ? { headers: { 'dg-request-id': 'req-1' } } : { reject: { status: 401 } }),
    onConnection: (conn: FakeWebSocketConnection) => {
      const ws = conn.socket;
      let audio = 0;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) {
          audio += data.byteLength;
          if (audio >= 8000 && audio - data.byteLength < 8000) ws.send(results('my booking', { isFinal: false, fromFinalize: false }));
          return;
        }
        const type = (JSON.parse(data.toString()) as { type?: string }).type;
        if (type === 'Finalize') ws.send(results(LATE_WORDS, { isFinal: true, fromFinalize: true }));
        if (type === 'CloseStream') {
          ws.send(JSON.stringify({ type: 'Metadata', transaction_key: 'deprecated', request_id: 'req-1', duration: 2, channels: 1 }));
          setTimeout(() => ws.close(1000), 20);
        }
      });
    },
  });
  closers.push(() => server.close());
  return server;
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: (_fields, message) => void lines.push(message),
    warn: (_fields, message) => void lines.push(message),
    error: (_fields, message) => void lines.push(message),
    child: () => logger,
  };
  return logger;
}

const noLLM: LLMProvider = {
  key: 'none',
  chat: () => {
    throw new Error('no reply expected on a call that ended');
  },
} as unknown as LLMProvider;
const noTTS: TTSProvider = {
  key: 'none',
  outputFormats: [MULAW_8K],
  synthesize: () => {
    throw new Error('nothing to say');
  },
} as unknown as TTSProvider;

describe('caller hangs up with words in flight (Twilio, real server, real Deepgram plugin)', () => {
  it('Deepgram gets Finalize and CloseStream, the last words stay in the transcript, the socket closes with 1000, and the call is logged once', async () => {
    const deepgram = await fakeDeepgram();
    const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    closers.push(() => api.close());
    const lines: string[] = [];
    const ends: CallEndSummary[] = [];
    const phone = new Patter({
      carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
      phoneNumber: '+14155550199',
      logger: recordingLogger(lines),
    });
    const agent = phone.agent({ stt: new DeepgramSTT({ apiKey: 'dg-key', baseUrl: deepgram.url }), llm: noLLM, tts: noTTS });
    const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, onCallEnd: (s) => void ends.push(s) });
    closers.push(() => handle.close({ timeoutMs: 0 }));
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });

    const call = await simulator.inboundCall({ from: '+14155550100' });
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 12_000));
    const conn = await deepgram.nextConnection();
    await waitFor(() => conn.binaryBytes().byteLength >= 8000, 5_000);
    await call.stop();
    await waitFor(() => ends.length === 1, 8_000);

    const summary = ends[0] as CallEndSummary;
    expect(summary.reason).toBe('caller_hangup');
    expect(summary.transcript.map((e) => `${e.role}: ${e.text}`)).toEqual([`user: ${LATE_WORDS}`]);
    expect(conn.jsonMessages<{ type: string }>().map((m) => m.type)).toEqual(['Finalize', 'CloseStream']);
    expect((await conn.closed).code).toBe(1000);
    expect(lines.filter((l) => l === 'call started')).toHaveLength(1);
    expect(lines.filter((l) => l === 'call ended')).toHaveLength(1);
  });
});
