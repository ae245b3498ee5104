import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MULAW_8K } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { WebSocket } from '../net/connect-web-socket.js';
import type { CallEndReason } from './call-transport.js';
import type { MediaStreamCodec, MediaStreamMessage } from './media-stream-codec.js';
import { StreamCallTransport } from './stream-call-transport.js';

/** A tiny test wire format: `{ e, sid, … }`. */
const codec: MediaStreamCodec = {
  decode(text): MediaStreamMessage {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { type: 'malformed', reason: 'json' };
    }
    const sid = typeof m.sid === 'string' ? m.sid : undefined;
    switch (m.e) {
      case 'start':
        return { type: 'start', streamId: String(m.sid), callId: 'call-1', parameters: { a: 'b' }, from: '+15550000001' };
      case 'media':
        return { type: 'media', streamId: sid, track: undefined, chunk: typeof m.n === 'number' ? m.n : undefined, payload: String(m.p) };
      case 'dtmf':
        return { type: 'dtmf', streamId: sid, digit: String(m.d) };
      case 'mark':
        return { type: 'mark', streamId: sid, name: String(m.name) };
      case 'stop':
        return { type: 'stop', streamId: sid };
      default:
        return { type: 'unknown', event: String(m.e) };
    }
  },
  encodeMedia: (sid, p) => JSON.stringify({ e: 'media', sid, p }),
  encodeMark: (sid, name) => JSON.stringify({ e: 'mark', sid, name }),
  encodeClear: (sid) => JSON.stringify({ e: 'clear', sid }),
};

const warnings: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (_f, m) => warnings.push(m),
  error: (_f, m) => warnings.push(m),
  child: () => logger,
};

let server: WebSocketServer | undefined;
afterEach(async () => {
  server?.close();
  warnings.length = 0;
});

async function pair(stopTimeoutMs?: number) {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const calls: string[] = [];
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const [socket] = (await accepted) as [WebSocket];
  await once(client, 'open');
  const transport = new StreamCallTransport(socket, {
    carrier: 'test',
    format: MULAW_8K,
    codec,
    context: { callRef: 'ref-1', logger, direction: 'inbound' },
    ...(stopTimeoutMs === undefined ? {} : { stopTimeoutMs }),
    commands: {
      hangup: async (id) => void calls.push(`hangup ${id}`),
      transfer: async (id, to) => void calls.push(`transfer ${id} ${to}`),
    },
  });
  const received: Record<string, unknown>[] = [];
  client.on('message', (d) => received.push(JSON.parse(String(d)) as Record<string, unknown>));
  const send = (m: Record<string, unknown>) => client.send(JSON.stringify(m));
  return { transport, client, send, received, calls };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` passes (the machine may be loaded; fixed sleeps would be flaky). */
async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await tick(10);
    }
  }
}

describe('StreamCallTransport', () => {
  it('takes canonical base64 payloads byte for byte and drops every non-canonical one', async () => {
    const { transport, send } = await pair();
    const audio: string[] = [];
    transport.on('audio', (a) => audio.push(Buffer.from(a).toString('hex')));
    send({ e: 'start', sid: 'S1' });
    const good = [Buffer.from([1, 2, 3]), Buffer.from([4, 5]), Buffer.from([6]), Buffer.alloc(160, 0xff)];
    const bad = ['QUJ', 'QQ=A', 'QUJD RA==', 'QUJD\nRA==', 'QUJDRA==QUJD', 'Q===', '====', 'QU*D', 'QUJDRA=\u00e9', '\u00e9\u00e9\u00e9\u00e9'];
    for (const p of bad) send({ e: 'media', sid: 'S1', p });
    for (const b of good) send({ e: 'media', sid: 'S1', p: b.toString('base64') });
    await eventually(() => expect(audio).toHaveLength(good.length));
    expect(audio).toEqual(good.map((b) => b.toString('hex')));
    expect(warnings.filter((w) => w === 'media payload is not base64')).toHaveLength(bad.length);
    transport.close();
  });

  it('runs a call: start, audio in order, dtmf, marks, clear, stop once', async () => {
    const { transport, send, received } = await pair();
    const audio: number[] = [];
    const dtmf: string[] = [];
    const marks: string[] = [];
    const stops: CallEndReason[] = [];
    transport.on('audio', (a) => audio.push(a[0]!));
    transport.on('dtmf', (d) => dtmf.push(d));
    transport.on('mark', (m) => marks.push(m));
    transport.on('stop', (s) => stops.push(s.reason));
    send({ e: 'media', sid: 'S1', p: 'AQ==' }); // before start: dropped
    send({ e: 'start', sid: 'S1' });
    for (let n = 1; n <= 5; n++) send({ e: 'media', sid: 'S1', n, p: Buffer.from([n]).toString('base64') });
    send({ e: 'media', sid: 'S1', n: 3, p: 'Aw==' }); // out of order: dropped
    send({ e: 'media', sid: 'OTHER', n: 9, p: 'CQ==' }); // unknown stream: dropped
    send({ e: 'media', sid: 'S1', n: 10, p: '!!!!' }); // not base64: dropped
    send({ e: 'bogus' });
    send({ e: 'dtmf', sid: 'S1', d: '7' });
    await eventually(() => expect(dtmf).toEqual(['7']));
    expect(transport.info).toMatchObject({ callId: 'call-1', callRef: 'ref-1', streamId: 'S1', carrier: 'test', parameters: { a: 'b' } });
    expect(audio).toEqual([1, 2, 3, 4, 5]);
    expect(dtmf).toEqual(['7']);
    expect(warnings).toEqual(expect.arrayContaining(['message before stream start', 'media chunk out of order', 'message for an unknown stream', 'media payload is not base64', 'unknown media stream event']));

    transport.sendAudio(new Uint8Array(400).fill(0x11));
    transport.mark('m1');
    expect(transport.pendingMs()).toBeGreaterThan(40); // 60 ms sent, nothing played yet
    await eventually(() => expect(received.map((m) => m.e)).toEqual(['media', 'media', 'media', 'mark']));
    expect(received.filter((m) => m.e === 'media').map((m) => Buffer.from(String(m.p), 'base64').byteLength)).toEqual([160, 160, 160]);
    send({ e: 'mark', sid: 'S1', name: 'm1' });
    await eventually(() => expect(marks).toEqual(['m1']));
    expect(transport.playedMs()).toBe(60);

    transport.sendAudio(new Uint8Array(8000));
    transport.mark('m2');
    const drained = transport.drained();
    await tick();
    transport.clear();
    await drained; // clear resolves pending drains
    expect(transport.pendingMs()).toBe(0);
    await eventually(() => expect(received.at(-1)).toEqual({ e: 'clear', sid: 'S1' }));
    send({ e: 'mark', sid: 'S1', name: 'm2' }); // never sent: the echo is unknown
    await tick();
    expect(marks).toEqual(['m1']);

    send({ e: 'stop', sid: 'S1' });
    send({ e: 'stop', sid: 'S1' });
    await eventually(() => expect(stops).toEqual(['caller_hangup']));
    await tick();
    expect(stops).toEqual(['caller_hangup']);
    transport.close();
    expect(stops).toEqual(['caller_hangup']);
  });

  it('mark() resolves true once the carrier echoed it, false when a clear dropped it (sent or still queued) and at stop', async () => {
    const { transport, send, received } = await pair();
    expect(await transport.mark('before-start')).toBe(false);
    send({ e: 'start', sid: 'S1' });
    await eventually(() => expect(transport.info).toBeTruthy());
    const settled: string[] = [];
    const track = (name: string, played: Promise<boolean>) => void played.then((p) => settled.push(`${name}:${p}`));
    transport.sendAudio(new Uint8Array(400));
    track('a', transport.mark('a'));
    expect(transport.positionMs()).toBe(60); // 50 ms and the padding before the mark
    transport.sendAudio(new Uint8Array(160));
    track('b', transport.mark('b')); // sent: within the lead
    transport.sendAudio(new Uint8Array(8000));
    track('c', transport.mark('c')); // still queued behind 1 s of audio
    expect(transport.positionMs()).toBe(1080);
    await eventually(() => expect(received.filter((m) => m.e === 'mark').map((m) => m.name)).toEqual(['a', 'b']));
    send({ e: 'mark', sid: 'S1', name: 'a' });
    await eventually(() => expect(settled).toEqual(['a:true']));
    transport.clear();
    await eventually(() => expect(settled).toEqual(['a:true', 'b:false', 'c:false']));
    expect(transport.positionMs()).toBe(0);
    send({ e: 'mark', sid: 'S1', name: 'b' }); // the carrier echoes the cleared mark: still not played
    transport.sendAudio(new Uint8Array(160));
    track('d', transport.mark('d'));
    await tick();
    send({ e: 'stop', sid: 'S1' });
    await eventually(() => expect(settled).toEqual(['a:true', 'b:false', 'c:false', 'd:false']));
    expect(await transport.mark('after-stop')).toBe(false);
  });

  it('drained() waits on a mark of its own: no mark event, session marks (any name) settle only by their own echo', async () => {
    const { transport, send, received } = await pair();
    const marks: string[] = [];
    transport.on('mark', (m) => marks.push(m));
    send({ e: 'start', sid: 'S1' });
    await eventually(() => expect(transport.info).toBeTruthy());
    transport.sendAudio(new Uint8Array(240));
    const session = transport.mark('patter-drain-x');
    let drained = false;
    void transport.drained().then(() => (drained = true));
    const wire = () => received.filter((m) => m.e === 'mark').map((m) => String(m.name));
    await eventually(() => expect(wire()).toHaveLength(2));
    const drainMark = wire()[1]!;
    expect(drainMark).not.toBe('patter-drain-x');
    send({ e: 'mark', sid: 'S1', name: 'patter-drain-x' });
    expect(await session).toBe(true);
    expect(marks).toEqual(['patter-drain-x']);
    await tick();
    expect(drained).toBe(false); // the session's echo is not the drain's
    send({ e: 'mark', sid: 'S1', name: drainMark });
    await eventually(() => expect(drained).toBe(true));
    expect(marks).toEqual(['patter-drain-x']);
    expect(warnings).not.toContain('echo of an unknown mark');
    transport.close();
  });

  it('sends DTMF in-band and resolves when the carrier has played it', async () => {
    const { transport, send, received, client } = await pair();
    send({ e: 'start', sid: 'S1' });
    await eventually(() => expect(transport.info).toBeTruthy());
    client.on('message', (d) => {
      const m = JSON.parse(String(d)) as { e: string; name?: string };
      if (m.e === 'mark') send({ e: 'mark', sid: 'S1', name: m.name });
    });
    const started = Date.now();
    await transport.sendDtmf('12');
    const frames = received.filter((m) => m.e === 'media');
    expect(frames).toHaveLength(20); // 2 × (100 ms tone + 100 ms gap)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect(transport.sendDtmf('1x')).rejects.toThrow(/digits/);
  });

  it('hangup is idempotent and reports agent_hangup; close emits stop once', async () => {
    const { transport, send, calls, client } = await pair();
    const stops: CallEndReason[] = [];
    transport.on('stop', (s) => stops.push(s.reason));
    send({ e: 'start', sid: 'S1' });
    await eventually(() => expect(transport.info).toBeTruthy());
    await Promise.all([transport.hangup(), transport.hangup()]);
    expect(calls).toEqual(['hangup call-1']);
    send({ e: 'stop', sid: 'S1' });
    await eventually(() => expect(stops).toEqual(['agent_hangup']));
    const closed = once(client, 'close');
    transport.close();
    await closed;
    expect(stops).toEqual(['agent_hangup']);
  });

  it('ends the call itself when the carrier does not stop the stream after a hangup', async () => {
    const { transport, send, client } = await pair(100);
    const stops: CallEndReason[] = [];
    transport.on('stop', (s) => stops.push(s.reason));
    send({ e: 'start', sid: 'S1' });
    await eventually(() => expect(transport.info).toBeTruthy());
    const closed = once(client, 'close');
    await transport.hangup();
    expect(stops).toEqual([]);
    await closed;
    expect(stops).toEqual(['agent_hangup']);
  });

  it('drops oversized and binary frames and keeps the call', async () => {
    const { transport, send, client } = await pair();
    const audio: Uint8Array[] = [];
    transport.on('audio', (a) => audio.push(a));
    send({ e: 'start', sid: 'S1' });
    client.send(Buffer.from([1, 2, 3]));
    send({ e: 'media', sid: 'S1', p: 'A'.repeat(70_000) });
    send({ e: 'media', sid: 'S1', p: 'AAAA'.repeat(5000) });
    send({ e: 'media', sid: 'S1', p: '/w==' });
    await eventually(() => expect(audio.map((a) => [...a])).toEqual([[0xff]]));
    expect(warnings).toEqual(expect.arrayContaining(['binary frame', 'oversized frame', 'oversized media payload']));
  });
});
