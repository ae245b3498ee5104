import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** Seconds of agent audio the TTS fake returns per character of text (about 15 characters a second). */
export const SECONDS_PER_CHARACTER = 0.065;

/** What the vendor fakes received, for the audio-delivered figure. */
export interface VendorCounters {
  /** Caller audio bytes the STT sockets received. */
  sttBytes: number;
  sttSockets: number;
  ttsRequests: number;
}

export interface LoadVendors {
  readonly url: string;
  readonly counters: VendorCounters;
  close(): Promise<void>;
}

/**
 * Loopback stand-ins for Cartesia STT (`/stt/websocket`: counts audio, never transcribes, answers
 * `done`/`close` with `done` then a 1000 close) and Cartesia TTS (`/tts/bytes`: `SECONDS_PER_CHARACTER`
 * of audio per character of the transcript, in the requested format, streamed in 100 ms chunks), and an OpenAI chat endpoint that
 * is never reached (no caller turn ends). Lean on purpose: they run beside the load generator.
 */
export async function startLoadVendors(): Promise<LoadVendors> {
  const counters: VendorCounters = { sttBytes: 0, sttSockets: 0, ttsRequests: 0 };
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
  http.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      counters.sttSockets++;
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) {
          counters.sttBytes += data.length;
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
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
