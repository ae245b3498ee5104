import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { silentLogger, type TTSProvider } from '@patter/core';
import { encodeWav } from '@patter/core/plugin';
import { CartesiaTTS } from '@patter/cartesia';
import { ElevenLabsRestTTS } from '@patter/elevenlabs';
import { InworldTTS } from '@patter/inworld';
import { LmntTTS } from '@patter/lmnt';
import { OpenAITTS } from '@patter/openai';
import { RimeTTS } from '@patter/rime';
import { FakeHttpServer } from '@patter/testing';
import type { BenchReport } from './bench-report.js';

/**
 * TTS time to first audio byte through the plugin code, per vendor, against a zero-delay
 * loopback fake that answers every request at once with its vendor's body shape. The baseline
 * is the same request made with bare undici (the fake and the loopback alone); the plugin
 * overhead is the difference of the medians. Target: under 1 ms.
 */

export interface TTSTtfbResult {
  readonly vendor: string;
  readonly baselineP50Ms: number;
  readonly pluginP50Ms: number;
  readonly baselineP95Ms: number;
  readonly pluginP95Ms: number;
  readonly overheadMs: number;
}

interface Case {
  readonly vendor: string;
  /** The first (and only) body write: what the vendor streams first. */
  readonly firstBody: Uint8Array;
  readonly make: (baseUrl: string) => TTSProvider;
  /** Path the plugin posts to, for the baseline request. */
  readonly path: string;
}

const PCM = new Uint8Array(640).fill(1);
const INWORLD_LINE = Buffer.from(`{"result":{"audioContent":"${Buffer.from(encodeWav(PCM, { sampleRate: 16000, channels: 1 })).toString('base64')}"}}\n`);
const TEXT = 'Your table is booked for Monday at seven.';

const CASES: readonly Case[] = [
  { vendor: 'cartesia_tts', firstBody: PCM, path: '/tts/bytes', make: (u) => new CartesiaTTS({ apiKey: 'k', baseUrl: u, logger: silentLogger }) },
  { vendor: 'openai_tts', firstBody: PCM, path: '/v1/audio/speech', make: (u) => new OpenAITTS({ apiKey: 'k', baseUrl: `${u}/v1`, logger: silentLogger }) },
  { vendor: 'lmnt', firstBody: PCM, path: '/v1/ai/speech/bytes', make: (u) => new LmntTTS({ apiKey: 'k', baseUrl: u, logger: silentLogger }) },
  { vendor: 'rime', firstBody: PCM, path: '/v1/rime-tts', make: (u) => new RimeTTS({ apiKey: 'k', baseUrl: u, logger: silentLogger }) },
  {
    vendor: 'elevenlabs_rest',
    firstBody: PCM,
    path: '/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL/stream',
    make: (u) => new ElevenLabsRestTTS({ apiKey: 'k', baseUrl: u, logger: silentLogger }),
  },
  { vendor: 'inworld', firstBody: INWORLD_LINE, path: '/tts/v1/voice:stream', make: (u) => new InworldTTS({ apiKey: 'k', baseUrl: u, logger: silentLogger }) },
];

/** Answers every request at once: 200 and the vendor's first body bytes, in one write. */
function startFake(firstBody: Uint8Array): Promise<FakeHttpServer> {
  return FakeHttpServer.start((_req, res) => res.send(200, firstBody, { 'content-type': 'application/octet-stream' }));
}

async function baselineOnce(url: string, body: string): Promise<number> {
  const start = performance.now();
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  let first = 0;
  for await (const chunk of response.body) {
    if (first === 0 && chunk.length > 0) first = performance.now() - start;
  }
  return first;
}

async function pluginOnce(tts: TTSProvider): Promise<number> {
  const start = performance.now();
  let first = 0;
  for await (const chunk of tts.synthesize(TEXT)) {
    if (first === 0 && chunk.length > 0) first = performance.now() - start;
  }
  return first;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function measure(c: Case, iterations: number): Promise<TTSTtfbResult> {
  const fake = await startFake(c.firstBody);
  try {
    const tts = c.make(fake.url);
    const url = `${fake.url}${c.path}`;
    const body = JSON.stringify({ text: TEXT, voice: 'v', model: 'm' });
    for (let i = 0; i < 50; i++) {
      await baselineOnce(url, body);
      await pluginOnce(tts);
    }
    const base: number[] = [];
    const plugin: number[] = [];
    // Interleaved, so drift (GC, JIT, CPU frequency) hits both sides alike.
    for (let i = 0; i < iterations; i++) {
      base.push(await baselineOnce(url, body));
      plugin.push(await pluginOnce(tts));
    }
    base.sort((a, b) => a - b);
    plugin.sort((a, b) => a - b);
    const baselineP50Ms = percentile(base, 0.5);
    const pluginP50Ms = percentile(plugin, 0.5);
    return {
      vendor: c.vendor,
      baselineP50Ms,
      pluginP50Ms,
      baselineP95Ms: percentile(base, 0.95),
      pluginP95Ms: percentile(plugin, 0.95),
      overheadMs: pluginP50Ms - baselineP50Ms,
    };
  } finally {
    await fake.close();
  }
}

/** Runs the TTS time-to-first-byte benchmark: one row per vendor, in microseconds. */
export async function run(options: { iterations?: number } = {}): Promise<BenchReport> {
  const iterations = options.iterations ?? 1000;
  const results: TTSTtfbResult[] = [];
  for (const c of CASES) results.push(await measure(c, iterations));
  const us = (ms: number): number => Math.round(ms * 1000);
  return {
    title: `TTS time to first audio byte, zero-delay loopback fake, ${iterations} requests per side (µs)`,
    columns: ['vendor', 'fake-only p50', 'plugin p50', 'overhead p50', 'fake-only p95', 'plugin p95'],
    rows: results.map((r) => [r.vendor, us(r.baselineP50Ms), us(r.pluginP50Ms), us(r.overheadMs), us(r.baselineP95Ms), us(r.pluginP95Ms)]),
    notes: [
      'fake-only = the same POST with bare undici; plugin = synthesize() to its first yielded chunk (JSON body,',
      'core httpRequest, retry wrapper, NDJSON/base64/WAV-header decoding, sample alignment). Target: overhead < 1000 µs.',
    ],
  };
}
