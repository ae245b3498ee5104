import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { silentLogger } from '@patter/core';
import { ElevenLabsTTS } from '@patter/elevenlabs';
import { FakeWebSocketServer } from '@patter/testing';
import type { BenchReport } from './bench-report.js';

/**
 * ElevenLabs `stream-input` time to first audio byte through the plugin (one socket per
 * utterance: handshake, init, text, end of input, first audio message) against a zero-delay
 * loopback fake, beside the same exchange made with a bare `ws` client. Target: overhead < 1 ms.
 */

const TEXT = 'Your table is booked for Monday at seven.';
const AUDIO = JSON.stringify({ audio: Buffer.alloc(640, 1).toString('base64'), isFinal: false });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function baselineOnce(url: string): Promise<number> {
  const start = performance.now();
  const ws = new WebSocket(url, { headers: { 'xi-api-key': 'k' }, perMessageDeflate: false });
  const first = await new Promise<number>((resolve, reject) => {
    ws.once('open', () => {
      ws.send('{"text":" "}');
      ws.send(JSON.stringify({ text: `${TEXT} `, flush: true }));
      ws.send('{"text":""}');
    });
    ws.once('message', () => resolve(performance.now() - start));
    ws.once('error', reject);
  });
  ws.terminate();
  return first;
}

async function pluginOnce(tts: ElevenLabsTTS): Promise<number> {
  const start = performance.now();
  let first = 0;
  for await (const chunk of tts.synthesize(TEXT)) {
    if (first === 0 && chunk.length > 0) first = performance.now() - start;
  }
  return first;
}

export async function run(options: { iterations?: number } = {}): Promise<BenchReport> {
  const iterations = options.iterations ?? 500;
  const fake = await FakeWebSocketServer.start({
    onConnection: (conn) => {
      conn.socket.on('message', (data) => {
        const text = String(data);
        if (text.includes('"flush"')) conn.socket.send(AUDIO);
        else if (text === '{"text":""}') conn.socket.send('{"isFinal":true}');
      });
    },
  });
  try {
    const tts = new ElevenLabsTTS({ apiKey: 'k', baseUrl: fake.httpUrl, logger: silentLogger });
    const url = `${fake.url}/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL/stream-input?model_id=eleven_flash_v2_5&output_format=pcm_16000`;
    for (let i = 0; i < 50; i++) {
      await baselineOnce(url);
      await pluginOnce(tts);
    }
    const base: number[] = [];
    const plugin: number[] = [];
    for (let i = 0; i < iterations; i++) {
      base.push(await baselineOnce(url));
      plugin.push(await pluginOnce(tts));
    }
    base.sort((a, b) => a - b);
    plugin.sort((a, b) => a - b);
    const us = (ms: number): number => Math.round(ms * 1000);
    return {
      title: `ElevenLabs stream-input time to first audio byte, zero-delay loopback fake, ${iterations} utterances per side (µs)`,
      columns: ['vendor', 'bare ws p50', 'plugin p50', 'overhead p50', 'bare ws p95', 'plugin p95'],
      rows: [
        [
          'elevenlabs_ws',
          us(percentile(base, 0.5)),
          us(percentile(plugin, 0.5)),
          us(percentile(plugin, 0.5) - percentile(base, 0.5)),
          us(percentile(base, 0.95)),
          us(percentile(plugin, 0.95)),
        ],
      ],
      notes: ['Both sides include the WebSocket handshake (one socket per utterance). Target: overhead < 1000 µs.'],
    };
  } finally {
    await fake.close();
  }
}
