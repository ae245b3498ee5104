import { PCM16_16K } from '@patter/core';
import { FakeWebSocketServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ElevenLabsTTS } from './index.js';

let fake: FakeWebSocketServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** 100 ms of pcm_16000 per message, each filled with its index (mod 251) so order is checkable. */
const CHUNK_BYTES = 3200;
const MESSAGES = 3000; // 5 minutes of audio: more than loopback TCP buffers can absorb

async function until(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ElevenLabsTTS backpressure', () => {
  it('stops reading its socket while the consumer holds back (the vendor’s sends back up), then delivers every byte in order', async () => {
    let vendorSocket: import('ws').WebSocket | undefined;
    fake = await FakeWebSocketServer.start({
      onConnection: async (conn) => {
        vendorSocket = conn.socket;
        await conn.waitForJson<{ text: string }>((m) => m.text !== ' ' && m.text !== '');
        // The vendor sends as fast as it can: 60 s of audio, then isFinal.
        for (let i = 0; i < MESSAGES; i++) {
          void conn.send({ audio: Buffer.alloc(CHUNK_BYTES, i % 251).toString('base64'), isFinal: false });
        }
        void conn.send({ isFinal: true });
      },
    });
    const tts = new ElevenLabsTTS({ apiKey: 'test-key', baseUrl: fake.httpUrl });
    const iterator = tts.synthesize('A very long answer.', { format: PCM16_16K })[Symbol.asyncIterator]();
    const parts: Uint8Array[] = [];
    const first = await iterator.next();
    if (!first.done) parts.push(first.value);

    // The consumer holds back (its call's playout is full): the client stops reading, so what the
    // vendor sent piles up on the vendor's side of the socket instead of in this process.
    await until(() => (vendorSocket?.bufferedAmount ?? 0) > 512 * 1024, 10_000);
    // …and it stays there: a reading client would take it all within a few hundred ms.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const backedUp = vendorSocket!.bufferedAmount;
    expect(backedUp).toBeGreaterThan(512 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(vendorSocket!.bufferedAmount).toBeGreaterThan(backedUp * 0.9);

    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      parts.push(next.value);
    }
    const audio = Buffer.concat(parts);
    expect(audio.length).toBe(CHUNK_BYTES * MESSAGES);
    for (let i = 0; i < MESSAGES; i++) {
      const at = i * CHUNK_BYTES;
      expect(audio[at] === i % 251 && audio[at + CHUNK_BYTES - 1] === i % 251).toBe(true);
    }
    expect(vendorSocket!.bufferedAmount).toBe(0);
  }, 30_000);
});
