import type { STTStream, Transcript } from '@patter/core';
import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';

// The Speechmatics tests' loopback server, the messages its scripts send, and stream helpers.
// Test-only: no shipped file imports this folder (package.json leaves it out of `files`).

const RECOGNITION_STARTED = { message: 'RecognitionStarted', orchestrator_version: '2025.11.07+cd4ff775c0+14.7.0', id: '807670e9-14af-4fa2-9e8f-5d525c22156e', language_pack_info: { adapted: false, itn: true, language_description: 'English', word_delimiter: ' ', writing_direction: 'left-to-right' } };
export const word = (content: string, start: number, end: number, confidence: number) => ({ type: 'word', start_time: start, end_time: end, alternatives: [{ content, confidence, language: 'en' }] });
export const PARTIAL_HELLO = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.42, transcript: 'hello' }, results: [word('hello', 0.08, 0.42, 0)] };
export const PARTIAL_HELLO_THERE = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.86, transcript: 'hello there' }, results: [word('hello', 0.08, 0.42, 0), word('there', 0.46, 0.86, 0)] };
export const FINAL_HELLO_THERE = { message: 'AddTranscript', format: '2.1', metadata: { start_time: 0.08, end_time: 0.86, transcript: 'Hello there. ' }, results: [word('Hello', 0.08, 0.42, 0.98), word('there', 0.46, 0.86, 0.97), { type: 'punctuation', start_time: 0.86, end_time: 0.86, attaches_to: 'previous', is_eos: true, alternatives: [{ content: '.', confidence: 1.0, language: 'en' }] }] };
export const EMPTY_PARTIAL = { message: 'AddPartialTranscript', format: '2.1', metadata: { start_time: 0.86, end_time: 0.86, transcript: '' }, results: [] };
const MODELS = new Set(['standard', 'enhanced', 'melia-1']);
export const END_OF_UTTERANCE = { message: 'EndOfUtterance', metadata: { start_time: 1.36, end_time: 1.36 } };

/** One session as the fake saw it. */
export interface Session {
  readonly socket: FakeWebSocketConnection;
  start?: Record<string, unknown>;
  /** Binary chunks received (Speechmatics seq_no). */
  chunks: number;
  bytes: number;
  readonly control: Record<string, unknown>[];
  send(message: unknown): void;
}

/**
 * A loopback Speechmatics RT v2 server, as strict as the real one: path `/v2` and a Bearer key
 * on the upgrade (401 otherwise), StartRecognition first, audio only after RecognitionStarted
 * (else Error protocol_error + close 1003), AudioAdded per chunk, EndOfStream with the right
 * last_seq_no.
 */
export async function fakeSpeechmatics(onSession: (s: Session, event: 'audio' | 'control', data?: Record<string, unknown>) => void, refuseStatus?: number) {
  const sessions: Session[] = [];
  const server = await FakeWebSocketServer.start({
    path: '/v2',
    onUpgrade: (req) => {
      if (refuseStatus) return { reject: { status: refuseStatus, body: 'Refused' } };
      return req.headers.authorization === 'Bearer test-key' ? undefined : { reject: { status: 401, body: 'Unauthorized' } };
    },
    onConnection: async (socket) => {
      const session: Session = { socket, chunks: 0, bytes: 0, control: [], send: (m) => void socket.send(m as object) };
      sessions.push(session);
      let started = false;
      for (;;) {
        const { data } = await socket.nextMessage(60_000).catch(() => ({ data: undefined }));
        if (data === undefined) return;
        if (typeof data !== 'string') {
          if (!started) {
            session.send({ message: 'Error', type: 'protocol_error', reason: 'audio before RecognitionStarted' });
            await socket.close(1003);
            return;
          }
          session.chunks++;
          session.bytes += data.byteLength;
          session.send({ message: 'AudioAdded', seq_no: session.chunks });
          onSession(session, 'audio');
          continue;
        }
        const message = JSON.parse(data) as Record<string, unknown>;
        if (!session.start) {
          const config = message.transcription_config as Record<string, unknown> | undefined;
          if (message.message !== 'StartRecognition' || typeof config?.language !== 'string') {
            session.send({ message: 'Error', type: 'invalid_message', reason: 'expected StartRecognition' });
            await socket.close(1003);
            return;
          }
          const model = config.model ?? config.operating_point ?? 'standard';
          if (!MODELS.has(String(model))) {
            session.send({ message: 'Error', type: 'invalid_model', reason: `unknown model ${String(model)}` });
            await socket.close(4004, 'invalid_model');
            return;
          }
          session.start = message;
          session.send({ message: 'Info', type: 'recognition_quality', quality: 'telephony', reason: 'Running recognition using a telephony model quality.' });
          void socket.sendAfter(20, RECOGNITION_STARTED).then(() => (started = true));
          continue;
        }
        session.control.push(message);
        if (message.message === 'EndOfStream') {
          if (message.last_seq_no !== session.chunks) session.send({ message: 'Error', type: 'protocol_error', reason: 'bad last_seq_no' });
          // The script sends the finals still pending, then EndOfTranscript; the close frame comes
          // in a later write than the last message (as over TLS).
          onSession(session, 'control', message);
          session.send({ message: 'EndOfTranscript' });
          await new Promise((resolve) => setTimeout(resolve, 20));
          await socket.close(1000);
          return;
        }
        onSession(session, 'control', message);
      }
    },
  });
  return { url: `${server.url}/v2`, sessions, upgrades: server.upgrades, connections: server.connections, close: () => server.close() };
}

/** The stream's transcripts as they come; `done` settles when the stream ends (rejects when it fails). */
export function collect(stream: STTStream): { out: Transcript[]; done: Promise<void> } {
  const out: Transcript[] = [];
  const done = (async () => {
    for await (const t of stream.transcripts()) out.push(t);
  })();
  return { out, done };
}

export const pcmFrame = () => new Uint8Array(640); // 20 ms of 16 kHz PCM16
/** Polls `check` every 5 ms; throws after `ms`. */
export const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
