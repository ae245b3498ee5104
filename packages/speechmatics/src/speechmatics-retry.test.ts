import { PCM16_16K, ProviderError, type Transcript } from '@patter/core';
import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SpeechmaticsSTT } from './index.js';

// protocols/stt/speechmatics.md §1: "Retry only 4005 quota_exceeded, 4013 job_error, 1011
// internal_error, waiting ≥ 5–10 s". The fake starts the session, then answers the first audio
// of its first connection as the test says (an in-band Error, or a close).

let server: FakeWebSocketServer | undefined;
/** performance.now() of each upgrade request. */
let upgradeTimes: number[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function fakeSpeechmatics(onFirstAudio: (conn: FakeWebSocketConnection) => void): Promise<FakeWebSocketServer> {
  upgradeTimes = [];
  const fake = await FakeWebSocketServer.start({
    path: '/v2',
    onUpgrade: (req) => {
      upgradeTimes.push(performance.now());
      return req.headers.authorization === 'Bearer test-key' ? undefined : { reject: { status: 401, body: 'Unauthorized' } };
    },
    onConnection: (conn) => {
      const index = fake.connections.indexOf(conn);
      let seq = 0;
      conn.socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) {
          const m = JSON.parse(String(data)) as { message?: string };
          if (m.message === 'StartRecognition') conn.socket.send(JSON.stringify({ message: 'RecognitionStarted', id: `session-${index}` }));
          if (m.message === 'EndOfStream') conn.socket.send(JSON.stringify({ message: 'EndOfTranscript' }));
          return;
        }
        conn.socket.send(JSON.stringify({ message: 'AudioAdded', seq_no: ++seq }));
        if (index === 0 && seq === 1) onFirstAudio(conn);
      });
    },
  });
  return fake;
}

async function run(fake: FakeWebSocketServer, waitForSecond: boolean): Promise<unknown> {
  const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: `${fake.url}/v2` }).stream({ format: PCM16_16K });
  const done = (async () => {
    const items: Transcript[] = [];
    for await (const t of stream.transcripts()) items.push(t);
    return items;
  })().catch((e: unknown) => e);
  stream.sendAudio(new Uint8Array(3200));
  await fake.waitForConnections(1, 10_000);
  if (waitForSecond) {
    await fake.waitForConnections(2, 20_000);
    await stream.close();
  }
  return done;
}

describe('SpeechmaticsSTT retry policy', () => {
  it('an unknown_error is retried only after the 5 s wait', async () => {
    let erredAt = 0;
    server = await fakeSpeechmatics((conn) => {
      erredAt = performance.now();
      conn.socket.send(JSON.stringify({ message: 'Error', type: 'unknown_error', reason: 'something broke' }));
      conn.socket.close(1011, 'internal_error');
    });
    await run(server, true);
    const reconnectedAt = upgradeTimes[1] ?? 0;
    expect(reconnectedAt - erredAt).toBeGreaterThanOrEqual(4500);
  }, 30_000);

  it('an Error type the notes do not list as retryable fails the stream, with no new session', async () => {
    server = await fakeSpeechmatics((conn) => conn.socket.send(JSON.stringify({ message: 'Error', type: 'some_new_error', reason: 'nope' })));
    const error = await run(server, false);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, body: { type: 'some_new_error' } });
    expect(server.upgrades).toHaveLength(1);
  });

  it('an unknown 4xxx close fails the stream, with no new session', async () => {
    server = await fakeSpeechmatics((conn) => conn.socket.close(4099, 'something new'));
    const error = await run(server, false);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, body: { code: 4099 } });
    expect(server.upgrades).toHaveLength(1);
  });
});
