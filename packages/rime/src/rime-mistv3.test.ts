import { PCM16_16K } from '@patter/core';
import { FakeHttpServer } from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RimeTTS } from './index.js';

// protocols/tts/rime.md: timeScaleFactor is a coda/arcana knob "and mistv3"; mist and mistv2 take
// only speedAlpha.

let fake: FakeHttpServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('RimeTTS mistv3', () => {
  it('takes timeScaleFactor and sends it; mistv2 still refuses it at construction', async () => {
    const bodies: Record<string, unknown>[] = [];
    fake = await FakeHttpServer.start((req, res) => {
      if (req.method !== 'POST' || req.path !== '/v1/rime-tts' || req.headers.authorization !== 'Bearer test-key') return res.json(404, { message: 'no' });
      bodies.push(req.json());
      return res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [new Uint8Array(320)] });
    });
    const tts = new RimeTTS({ apiKey: 'test-key', baseUrl: fake.url, model: 'mistv3', timeScaleFactor: 1.2 });
    let bytes = 0;
    for await (const chunk of tts.synthesize('Hi.', { format: PCM16_16K })) bytes += chunk.length;
    expect(bytes).toBe(320);
    expect(bodies[0]).toMatchObject({ modelId: 'mistv3', timeScaleFactor: 1.2 });
    expect(() => new RimeTTS({ apiKey: 'k', model: 'mistv2', timeScaleFactor: 1.2 })).toThrow(/^timeScaleFactor:/);
  });
});
