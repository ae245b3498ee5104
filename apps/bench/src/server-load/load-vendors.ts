import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveRealtime, type RealtimeCounters } from './load-realtime-fake.js';

/** Seconds of agent audio the TTS fake returns per character of text (about 15 characters a second). */
export const SECONDS_PER_CHARACTER = 0.065;

/**
 * How often the STT fake finalizes on its own, in seconds of caller audio. Cartesia's ink-whisper
 * (`/stt/websocket`, what `CartesiaSTT` speaks) has no finalize from us in this scenario: it ends
 * a segment itself once the caller has been silent for `max_silence_duration_secs` (notes §2),
 * answering an `is_final` transcript whose `duration` is the audio behind it (§4), so the client
 * drops the audio before it from its replay ring. The generator's caller sends silence all call
 * long; a real caller speaks in phrases of a few seconds with pauses between them. A final every
 * 2 s of audio stands for that: an empty final (nothing was said, so no turn starts and the LLM
 * fake stays unreached), the cadence of short phrases, and a ring that holds at most ~2 s as in
 * a real call — not the 15 s bound that a fake which never finalizes fills. PATTER_LOAD_STT_FINAL_S
 * changes it (0: never finalize, as the fake did before).
 */
export const STT_FINAL_EVERY_SECONDS = Number(process.env.PATTER_LOAD_STT_FINAL_S ?? 2);

/** What the vendor fakes received, for the audio-delivered figure. */
export interface VendorCounters extends RealtimeCounters {
  /** Caller audio bytes the STT sockets received. */
  sttBytes: number;
  /** Finals the STT fake sent on its own (every `STT_FINAL_EVERY_SECONDS` of audio). */
  sttFinals: number;
  sttSockets: number;
  ttsRequests: number;
}

export interface LoadVendors {
  readonly url: string;
  readonly counters: VendorCounters;
  close(): Promise<void>;
}

/**
 * Loopback stand-ins for Cartesia STT (`/stt/websocket`: counts audio, sends an empty `is_final`
 * transcript every `STT_FINAL_EVERY_SECONDS` of it, answers `done`/`close` with `done` then a 1000 close) and Cartesia TTS (`/tts/bytes`: `SECONDS_PER_CHARACTER`
 * of audio per character of the transcript, in the requested format, written as 100 ms chunks all in
 * one go: the whole sentence as fast as loopback carries it, where a real vendor streams as it
 * synthesizes, a few times faster than real time; harsher on the server's buffering, kinder to its
 * first-byte latency), OpenAI
 * Realtime (`/v1/realtime`, `load-realtime-fake.ts`: the engine mode), and an OpenAI chat endpoint that
 * is never reached (no caller turn ends). Lean on purpose: they run beside the load generator.
 */
export async function startLoadVendors(): Promise<LoadVendors> {
  const counters: VendorCounters = { sttBytes: 0, sttFinals: 0, sttSockets: 0, ttsRequests: 0, realtimeBytes: 0, realtimeSockets: 0 };
  const http: Server = createServer((request, response) => {
    if (request.method !== 'POST' || !request.url?.startsWith('/tts/bytes')) {
      response.writeHead(404).end();
      return;
    }
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      counters.ttsRequests++;
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
        transcript?: string;
        output_format?: { encoding?: string; sample_rate?: number };
      };
      const rate = body.output_format?.sample_rate ?? 8000;
      const bytesPerSecond = rate * (body.output_format?.encoding === 'pcm_s16le' ? 2 : 1);
      const chunk = Buffer.alloc(bytesPerSecond / 10, body.output_format?.encoding === 'pcm_s16le' ? 0 : 0xff);
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunks = Math.ceil((body.transcript ?? '').length * SECONDS_PER_CHARACTER * 10);
      for (let i = 0; i < chunks; i++) response.write(chunk);
      response.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const realtime = serveRealtime(wss, counters);
  http.on('upgrade', (request, socket, head) => {
    if (request.url?.startsWith('/v1/realtime')) {
      wss.handleUpgrade(request, socket, head, (ws) => realtime.handle(ws));
      return;
    }
    const query = new URL(request.url ?? '/', 'http://fake').searchParams;
    const bytesPerSecond = Number(query.get('sample_rate') ?? 8000) * (query.get('encoding') === 'pcm_s16le' ? 2 : 1);
    const finalEvery = STT_FINAL_EVERY_SECONDS > 0 ? bytesPerSecond * STT_FINAL_EVERY_SECONDS : Number.POSITIVE_INFINITY;
    wss.handleUpgrade(request, socket, head, (ws) => {
      counters.sttSockets++;
      let received = 0;
      let nextFinal = finalEvery;
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          counters.sttBytes += data.length;
          received += data.length;
          if (received >= nextFinal) {
            nextFinal += finalEvery;
            counters.sttFinals++;
            ws.send(`{"type":"transcript","request_id":"load","text":"","is_final":true,"duration":${received / bytesPerSecond},"language":"en","words":[]}`);
          }
          return;
        }
        const command = data.toString();
        if (command === 'done' || command === 'close') {
          ws.send(JSON.stringify({ type: 'done', request_id: 'load' }));
          setImmediate(() => ws.close(1000));
        }
      });
      ws.on('error', () => {});
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counters,
    close: async () => {
      realtime.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
