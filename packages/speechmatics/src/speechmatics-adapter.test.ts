import { describe, expect, it } from 'vitest';
import { PCM16_16K } from '@patter/core';
import { SpeechmaticsSTT } from './index.js';
import { speechmaticsAdapter } from './speechmatics-adapter.js';
import { collect, fakeSpeechmatics, pcmFrame, until } from './test-support/fake-speechmatics.js';

describe('speechmaticsAdapter error mapping', () => {
  const adapter = speechmaticsAdapter({ url: 'ws://x/v2', apiKey: 'k', startRecognition: {}, send: () => false });

  it('maps close codes: auth and config are final, quota waits 5 s before a new session', () => {
    expect(adapter.classifyClose?.(4001, 'not_authorised')).toMatchObject({ retryable: false, status: 401 });
    expect(adapter.classifyClose?.(4004, 'invalid_model')).toMatchObject({ retryable: false });
    expect(adapter.classifyClose?.(4005, 'quota_exceeded')).toMatchObject({ retryable: true, retryAfter: 5 });
    expect(adapter.classifyClose?.(4013, 'job_error')).toMatchObject({ retryable: true, retryAfter: 5 });
    expect(adapter.classifyClose?.(1011, 'internal_error')).toMatchObject({ retryable: true, retryAfter: 5 });
  });

  it('a 1011 internal_error close is retried only after at least 5 s (was ~44 ms)', async () => {
    let closedAt = 0;
    const fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio' && closedAt === 0) {
        closedAt = Date.now();
        void s.socket.close(1011, 'internal_error');
      }
    });
    try {
      const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url }).stream({ format: PCM16_16K });
      void collect(stream);
      stream.sendAudio(pcmFrame());
      await until(() => fake.sessions.length === 2, 12_000);
      // Measured in-process against the same clock; the wait is 5 s, so 4.9 s leaves ample margin.
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(4900);
      await stream.close();
    } finally {
      await fake.close();
    }
  }, 20_000);

  it('an invalid_config Error fails the stream without a reconnect', async () => {
    const fake = await fakeSpeechmatics((s, event) => {
      if (event === 'audio') s.send({ message: 'Error', type: 'invalid_config', reason: 'max_delay too small' });
    });
    try {
      const stream = new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake.url }).stream({ format: PCM16_16K });
      const { done } = collect(stream);
      stream.sendAudio(pcmFrame());
      const error = await done.catch((e: unknown) => e);
      expect(error).toMatchObject({ provider: 'speechmatics', retryable: false, body: { type: 'invalid_config', reason: 'max_delay too small' } });
      expect(fake.sessions).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});
