import { PCM16_16K } from '@patter/core';
import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsTTS } from './index.js';

// How a stream-input socket ends (protocols/tts/elevenlabs.md: close 1000 = normal). After isFinal
// the client waits (bounded) for the server's close frame and answers it, or closes with 1000 itself;
// a bare TCP drop (1006 at the server) is only for aborts and timeouts.

const VOICE = '21m00Tcm4TlvDq8ikWAM';
let fake: FakeWebSocketServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startFake(end: (conn: FakeWebSocketConnection) => Promise<void>): Promise<FakeWebSocketServer> {
  return FakeWebSocketServer.start({
    onUpgrade: (req) => (req.headers['xi-api-key'] === 'test-key' ? undefined : { reject: { status: 401 } }),
    onConnection: async (conn) => {
      await conn.waitForJson<{ text: string }>((m) => m.text === '');
      await conn.send({ audio: 'AAAAAAAAAAA=', isFinal: false, normalizedAlignment: null, alignment: null });
      await conn.send({ isFinal: true });
      await end(conn);
    },
  });
}

async function synthesize(server: FakeWebSocketServer, signal?: AbortSignal): Promise<number> {
  const tts = new ElevenLabsTTS({ apiKey: 'test-key', voiceId: VOICE, baseUrl: server.httpUrl });
  let bytes = 0;
  for await (const chunk of tts.synthesize('Hello there.', { format: PCM16_16K, ...(signal ? { signal } : {}) })) bytes += chunk.length;
  return bytes;
}

describe('ElevenLabsTTS (WebSocket) close', () => {
  it("after isFinal the server's own close (1000, a later write) is answered: the server sees 1000, not 1006", async () => {
    fake = await startFake(async (conn) => {
      await new Promise((r) => setTimeout(r, 50)); // the close frame comes in a later read, as over TLS
      await conn.close(1000);
    });
    expect(await synthesize(fake)).toBe(8);
    const closed = await fake.connections[0]!.closed;
    expect(closed).toMatchObject({ code: 1000, byServer: true });
  });

  it('a server that never closes after isFinal gets a close 1000 from the client within the bound', async () => {
    fake = await startFake(async () => undefined);
    const started = performance.now();
    expect(await synthesize(fake)).toBe(8);
    const closed = await fake.connections[0]!.closed;
    expect(closed).toMatchObject({ code: 1000, byServer: false });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
