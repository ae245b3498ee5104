import { FakeWebSocketServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AssemblyAISTT } from './index.js';

// protocols/stt/assemblyai.md §3: a session that is not terminated keeps billing until its 3 h
// limit. The warm-up connection therefore sends {"type":"Terminate"} before it closes.

let fake: FakeWebSocketServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('AssemblyAISTT warmup', () => {
  it('the warm-up session is ended with Terminate (not only a close frame), then closes 1000', async () => {
    fake = await FakeWebSocketServer.start({
      path: '/v3/ws',
      onConnection: (conn) => {
        if (conn.headers.authorization !== 'test-key') return void conn.socket.close(1008, 'Unauthorized Connection: Missing Authorization header');
        conn.socket.send(JSON.stringify({ type: 'Begin', id: 'session-0', expires_at: 1764000000 }));
        conn.socket.on('message', (data: Buffer) => {
          if (String(data) === '{"type":"Terminate"}') conn.socket.send(JSON.stringify({ type: 'Termination', audio_duration_seconds: 0, session_duration_seconds: 0 }));
        });
      },
    });
    await new AssemblyAISTT({ apiKey: 'test-key', baseUrl: fake.url }).warmup();
    const conn = (await fake.waitForConnections(1))[0]!;
    expect(await conn.closed).toMatchObject({ code: 1000 });
    expect(conn.textMessages()).toEqual(['{"type":"Terminate"}']);
  });
});
