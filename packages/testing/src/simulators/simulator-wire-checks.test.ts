import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeTelnyxApi } from './fake-telnyx-api.js';
import { TelnyxSimulator } from './telnyx-simulator.js';
import { TwilioSimulator } from './twilio-simulator.js';

// The simulators judge what a server sends against the carriers' documented outbound shapes.
// Here a hand-written "server" sends exact frames, good and bad, and the verdicts are checked.

/** A loopback server: every webhook answers 200; each stream runs `script` once `start` arrived. */
async function scriptedServer(script: (ws: WebSocket, start: Record<string, unknown>) => void) {
  const server: Server = createServer((_req, res) => res.writeHead(200).end());
  const wss = new WebSocketServer({ server });
  const received: Record<string, unknown>[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(message);
      if (message.event === 'start') script(ws, message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/stream`, received };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const b64 = (bytes: number, fill = 0xff) => Buffer.alloc(bytes, fill).toString('base64');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TwilioSimulator judges outbound frames', () => {
  const twiml = (url: string) => `<Response><Connect><Stream url="${url}"></Stream></Connect></Response>`;

  it('accepts the documented media/mark/clear shapes and echoes marks after playback, or at once on clear', async () => {
    const server = await scriptedServer((ws, start) => {
      const streamSid = start.streamSid;
      ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: b64(1600) } })); // 200 ms: any size is allowed
      ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'played' } }));
      ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: b64(8000) } })); // 1 s more
      ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'cleared' } }));
      setTimeout(() => ws.send(JSON.stringify({ event: 'clear', streamSid })), 400);
    });
    const sim = new TwilioSimulator({ serverUrl: server.url, authToken: 't' });
    const call = await sim.connect(twiml(server.ws), 'CA1');
    const echoes = () => server.received.filter((m) => m.event === 'mark').length;
    const deadline = Date.now() + 3000;
    while (echoes() < 2 && Date.now() < deadline) await pause(10);
    const [played, cleared] = call.marks.items;
    expect(played!.echoedAt! - played!.at).toBeGreaterThanOrEqual(190);
    expect(call.marks.items.map((m) => [m.name, m.discarded])).toEqual([['played', false], ['cleared', true]]);
    expect(cleared!.echoedAt! - call.clears.items[0]!).toBeLessThan(50);
    expect(cleared!.echoedAt! - cleared!.at).toBeLessThan(1000); // cut short: 1 s had been queued
    expect(server.received.filter((m) => m.event === 'mark').map((m) => (m.mark as { name: string }).name)).toEqual(['played', 'cleared']);
    expect(call.violations).toEqual([]);
  });

  it('flags undocumented fields, another stream, bad base64 and unknown events', async () => {
    const server = await scriptedServer((ws, start) => {
      const streamSid = start.streamSid;
      ws.send(JSON.stringify({ event: 'media', streamSid, sequenceNumber: '1', media: { track: 'outbound', chunk: '1', payload: b64(160) } }));
      ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: 'm' }, timestamp: '0' }));
      ws.send(JSON.stringify({ event: 'clear', streamSid, all: true }));
      ws.send(JSON.stringify({ event: 'media', streamSid: 'MZ-other', media: { payload: b64(160) } }));
      ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: '%%%' } }));
      ws.send(JSON.stringify({ event: 'hangup', streamSid }));
    });
    const call = await new TwilioSimulator({ serverUrl: server.url, authToken: 't' }).connect(twiml(server.ws), 'CA1');
    const deadline = Date.now() + 2000;
    while (call.violations.length < 8 && Date.now() < deadline) await pause(10);
    expect(call.violations).toEqual([
      'media has undocumented field sequenceNumber',
      'media.media has undocumented field track',
      'media.media has undocumented field chunk',
      'mark has undocumented field timestamp',
      'clear has undocumented field all',
      'media with wrong streamSid',
      'media payload is not base64',
      'unknown event hangup',
    ]);
  });
});

describe('TelnyxSimulator judges outbound frames', () => {
  async function open(script: (ws: WebSocket, start: Record<string, unknown>) => void) {
    const server = await scriptedServer(script);
    const sim = new TelnyxSimulator({ serverUrl: server.url, api: new FakeTelnyxApi('unused') });
    const call = await sim.answerOutbound({
      callControlId: 'v3:sim-test',
      body: { stream_url: server.ws, stream_bidirectional_mode: 'rtp', stream_bidirectional_codec: 'PCMU', connection_id: 'c', from: '+1', to: '+2' },
    });
    return { server, call };
  }

  it('accepts the documented shapes (no stream_id) and plays at 8000 bytes/s', async () => {
    const { call } = await open((ws) => {
      ws.send(JSON.stringify({ event: 'media', media: { payload: b64(160) } }));
      ws.send(JSON.stringify({ event: 'media', media: { payload: b64(1440) } }));
      ws.send(JSON.stringify({ event: 'mark', mark: { name: 'end' } }));
      ws.send(JSON.stringify({ event: 'clear' }));
    });
    await call.marks.waitFor((m) => m.echoedAt !== undefined);
    expect(call.media.items.map((m) => m.bytes)).toEqual([160, 1440]);
    expect(call.violations).toEqual([]);
  });

  it('flags a stream_id, media shorter than 20 ms and non-base64 media, answering with Telnyx error frames', async () => {
    const { server, call } = await open((ws, start) => {
      ws.send(JSON.stringify({ event: 'media', stream_id: start.stream_id, media: { payload: b64(160) } }));
      ws.send(JSON.stringify({ event: 'media', media: { payload: b64(80) } }));
      ws.send(JSON.stringify({ event: 'media', media: { payload: '***' } }));
      ws.send(JSON.stringify({ event: 'mark', mark: { name: 'm' }, stream_id: start.stream_id }));
    });
    const deadline = Date.now() + 2000;
    while (call.violations.length < 4 && Date.now() < deadline) await pause(10);
    expect(call.violations).toEqual([
      'media has undocumented field stream_id',
      'media of 80 bytes is outside 20 ms … 30 s',
      'media payload is not base64',
      'mark has undocumented field stream_id',
    ]);
    while (server.received.filter((m) => m.event === 'error').length < 2 && Date.now() < deadline) await pause(10);
    expect(server.received.filter((m) => m.event === 'error').map((m) => (m.payload as { code: number }).code)).toEqual([100003, 100004]);
  });
});
