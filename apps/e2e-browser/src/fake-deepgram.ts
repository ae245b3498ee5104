import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';

export const DEEPGRAM_KEY = 'dg-browser-key';

/**
 * One turn the fake transcribes once `afterBytes` of audio have arrived since the previous one:
 * a final with `speech_final`, or several finals (segments) of which the last ends the speech.
 */
export interface ScriptedFinal {
  readonly text: string | readonly string[];
  readonly afterBytes: number;
}

/**
 * Deepgram's live `/v1/listen`, strict like the vendor: the key, the path and the audio
 * parameters are checked; binary frames are audio, text frames must be Deepgram's control
 * messages. Answers the scripted finals as audio arrives; with `bargeIn`, once they are spent,
 * speech heard in the audio after a pause gets SpeechStarted and that interim text. `send`
 * pushes any other event.
 */
export async function fakeDeepgram(finals: ScriptedFinal[], options: { bargeIn?: string } = {}) {
  const script = [...finals];
  let silentMs = 0;
  let speechStarted: number | undefined;
  const chunks: Uint8Array[] = [];
  const badControl: string[] = [];
  let sinceFinal = 0;
  const server = await FakeWebSocketServer.start({
    path: '/v1/listen',
    onUpgrade: (request) => {
      if (request.headers.authorization !== `Token ${DEEPGRAM_KEY}`) return { reject: { status: 401, body: 'bad key' } };
      const { query } = request;
      if (query.get('encoding') !== 'linear16' || query.get('sample_rate') !== '16000' || query.get('channels') !== '1') {
        return { reject: { status: 400, body: 'unsupported audio parameters' } };
      }
      return undefined;
    },
    onConnection: (connection: FakeWebSocketConnection) => {
      connection.socket.on('message', (data, isBinary) => {
        if (!isBinary) {
          const type = (JSON.parse(String(data)) as { type?: string }).type;
          if (type === 'CloseStream') connection.socket.close(1000);
          else if (type !== 'KeepAlive' && type !== 'Finalize') badControl.push(String(data));
          return;
        }
        const bytes = new Uint8Array(data as Buffer);
        chunks.push(bytes);
        sinceFinal += bytes.byteLength;
        if (options.bargeIn !== undefined && script.length === 0 && speechStarted === undefined) {
          // Like Deepgram's VAD: speech after a pause, once the scripted turns are done.
          if (rms(bytes) >= SPEECH_RMS && silentMs >= 300) {
            speechStarted = performance.now();
            sendTo(connection, { type: 'SpeechStarted', channel: [0], timestamp: 0 });
            sendTo(connection, results(options.bargeIn));
          } else silentMs = rms(bytes) < SPEECH_RMS ? silentMs + bytes.byteLength / 32 : 0;
        }
        const next = script[0];
        if (next && sinceFinal >= next.afterBytes) {
          script.shift();
          sinceFinal = 0;
          const segments = typeof next.text === 'string' ? [next.text] : next.text;
          segments.forEach((text, i) => {
            const speechFinal = i === segments.length - 1;
            sendTo(connection, { type: 'Results', is_final: true, speech_final: speechFinal, start: i, duration: 1, channel: { alternatives: [{ transcript: text, confidence: 0.98, words: [] }] } });
          });
        }
      });
    },
  });
  return {
    server,
    url: server.url,
    /** Every audio byte received, in order. */
    audio: (): Uint8Array => new Uint8Array(Buffer.concat(chunks)),
    audioBytes: (): number => chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
    chunkSizes: (): number[] => chunks.map((chunk) => chunk.byteLength),
    badControl,
    /** When the fake heard the caller start talking again (`bargeIn`), performance.now(). */
    speechStartedAt: (): number | undefined => speechStarted,
    /** Push a Deepgram event (SpeechStarted, interim Results …) to every open connection. */
    send(event: object): void {
      for (const connection of server.connections) if (connection.isOpen) sendTo(connection, event);
    },
    close: () => server.close(),
  };
}

/** A Deepgram `Results` message (interim unless `isFinal`). */
export function results(text: string, isFinal = false): object {
  return { type: 'Results', is_final: isFinal, speech_final: isFinal, start: 0, duration: 0.5, channel: { alternatives: [{ transcript: text, confidence: 0.9, words: [] }] } };
}

const SPEECH_RMS = 1_000;

function rms(bytes: Uint8Array): number {
  const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function sendTo(connection: FakeWebSocketConnection, event: object): void {
  connection.socket.send(JSON.stringify(event));
}
