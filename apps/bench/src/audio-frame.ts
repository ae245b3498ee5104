import { MULAW_8K, PCM16_16K, PCM16_24K } from '@patter/core';
import {
  Resampler,
  createAudioConverter,
  decodeMulaw,
  encodeMulaw,
  extractJsonStringField,
  pcm16Bytes,
  quoteJsonString,
} from '@patter/core/plugin';
import { availableParallelism, loadavg } from 'node:os';
import alawmulaw from 'alawmulaw';
import type { BenchReport } from './bench-report.js';
import { measure, type Timing } from './measure.js';

/**
 * The audio hot path of one call, per 20 ms frame:
 * - inbound: a Twilio media message → JSON → base64 → μ-law → PCM16 8 kHz → 16 kHz (for an STT);
 * - outbound: PCM16 24 kHz (from a TTS) → 8 kHz → μ-law → base64 → a media message.
 * "JSON" rows use JSON.parse / JSON.stringify; "fast" rows read the payload by string search
 * (extractJsonStringField) and build the reply by concatenation; the "alawmulaw" row is the JSON
 * path with alawmulaw's allocating codec API and the resampler's allocating form.
 */
export async function run(): Promise<BenchReport> {
  const streamSid = 'MZ18ad3ab5a668481ce02b83e7395059f0';
  const inbound = speech(8000, 160, 0);
  const mulawFrame = alawmulaw.mulaw.encode(inbound);
  const message = JSON.stringify({
    event: 'media',
    streamSid,
    media: { track: 'inbound', chunk: '2', timestamp: '5', payload: Buffer.from(mulawFrame).toString('base64') },
  });
  const tts = pcm16Bytes(speech(24000, 480, 1));

  // Reused state, as a call would hold it.
  const up = new Resampler(8000, 16000);
  const down = new Resampler(24000, 8000);
  const half = new Resampler(16000, 8000);
  const halfOut = new Int16Array(half.maxOutput(320));
  const pcm8 = new Int16Array(160);
  const pcm16 = new Int16Array(up.maxOutput(160));
  const pcm8out = new Int16Array(down.maxOutput(480));
  const mulawOut = new Uint8Array(down.maxOutput(480));
  const mulawOutBuf = Buffer.from(mulawOut.buffer);
  const payloadBuf = Buffer.alloc(512);
  const tts16 = new Int16Array(tts.buffer, tts.byteOffset, tts.length / 2);
  const inConverter = createAudioConverter(MULAW_8K, PCM16_16K);
  const outConverter = createAudioConverter(PCM16_24K, MULAW_8K);

  const inboundJson = (): number => {
    const msg = JSON.parse(message) as { event: string; media: { payload: string } };
    if (msg.event !== 'media') return 0;
    const bytes = Buffer.from(msg.media.payload, 'base64');
    decodeMulaw(bytes, pcm8);
    return up.process(pcm8, pcm16);
  };
  const inboundFast = (): number => {
    if (extractJsonStringField(message, 'event') !== 'media') return 0;
    const payload = extractJsonStringField(message, 'payload')!;
    const n = payloadBuf.write(payload, 'base64');
    return inConverter.convert(payloadBuf.subarray(0, n)).length;
  };
  const outboundJson = (): number => {
    const n = down.process(tts16, pcm8out);
    encodeMulaw(pcm8out.subarray(0, n), mulawOut);
    const payload = mulawOutBuf.toString('base64', 0, n);
    return JSON.stringify({ event: 'media', streamSid, media: { payload } }).length;
  };
  const outboundFast = (): number => {
    const out = outConverter.convert(tts);
    const payload = Buffer.from(out.buffer, out.byteOffset, out.length).toString('base64');
    return `{"event":"media","streamSid":${quoteJsonString(streamSid)},"media":{"payload":"${payload}"}}`.length;
  };
  const alawmulawPath = (): number => {
    const msg = JSON.parse(message) as { event: string; media: { payload: string } };
    const pcm = alawmulaw.mulaw.decode(Buffer.from(msg.media.payload, 'base64'));
    const wide = up.resample(pcm);
    const narrow = down.resample(tts16);
    const payload = Buffer.from(alawmulaw.mulaw.encode(narrow)).toString('base64');
    return wide.length + JSON.stringify({ event: 'media', streamSid, media: { payload } }).length;
  };

  const rows: (string | number)[][] = [];
  const row = (label: string, t: Timing, perCall = false): void => {
    rows.push([label, t.median, t.p99, t.mean, t.sustained, perCall ? Math.floor(20_000 / t.sustained) : '']);
  };
  row('inbound, JSON.parse', measure(inboundJson));
  row('inbound, fast', measure(inboundFast));
  row('outbound, JSON.stringify', measure(outboundJson));
  row('outbound, fast', measure(outboundFast));
  row('in + out, JSON', measure(() => inboundJson() + outboundJson()), true);
  row('in + out, fast', measure(() => inboundFast() + outboundFast()), true);
  row('in + out, alawmulaw allocating API', measure(alawmulawPath), true);
  row('  JSON.parse (media message)', measure(() => (JSON.parse(message) as { event: string }).event.length));
  row('  extractJsonStringField x2', measure(() => extractJsonStringField(message, 'event')!.length + extractJsonStringField(message, 'payload')!.length));
  const payloadText = extractJsonStringField(message, 'payload')!;
  row('  base64 decode 160 B (into buffer)', measure(() => payloadBuf.write(payloadText, 'base64')));
  row('  μ-law decode 160', measure(() => decodeMulaw(mulawFrame, pcm8)));
  row('  resample 8 → 16 kHz (160 → 320)', measure(() => up.process(pcm8, pcm16)));
  row('  resample 24 → 8 kHz (480 → 160)', measure(() => down.process(tts16, pcm8out)));
  row('  resample 16 → 8 kHz (320 → 160)', measure(() => half.process(pcm16.subarray(0, 320), halfOut)));
  row('  μ-law encode 160', measure(() => encodeMulaw(pcm8, mulawOut)));
  row('  base64 encode 160 B', measure(() => mulawOutBuf.toString('base64', 0, 160).length));
  row('  JSON.stringify (media message)', measure(() => JSON.stringify({ event: 'media', streamSid, media: { payload: payloadText } }).length));

  return {
    title: 'audio hot path per 20 ms frame (µs; one core)',
    columns: ['path', 'median', 'p99', 'mean', 'sustained', 'calls/core'],
    rows,
    notes: [
      `resampler alias, 24 → 8 kHz, full-scale tone vs 1 kHz: 6 kHz → ${aliasText(new Resampler(24000, 8000), 6000)}; 4.7 kHz (stopband edge) → ${aliasText(new Resampler(24000, 8000), 4700)}`,
      `  linear interpolation for comparison: 6 kHz → ${aliasText(linearResampler(24000, 8000), 6000)}`,
      `resampler passband, 1 kHz: ${passband(new Resampler(24000, 8000)).toFixed(3)} dB; group delay ${new Resampler(24000, 8000).delayMs.toFixed(2)} ms (24 → 8), ${new Resampler(8000, 16000).delayMs.toFixed(2)} ms (8 → 16)`,
      'median/p99/mean: single calls timed one by one; sustained: µs per call in the best of 201 batches of 200.',
      `load average while measuring: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs (other processes inflate p99 and mean).`,
      'calls/core = 20,000 µs / sustained µs of one inbound plus one outbound frame (audio path only).',
    ],
  };
}

interface Resample {
  resample(input: Int16Array): Int16Array;
}

/** Speech-like PCM16: a chirp plus two formant tones under a syllable-rate envelope. */
function speech(rate: number, n: number, seed: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate + seed * 0.37;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    const v = 0.5 * Math.sin(2 * Math.PI * (300 + 400 * t) * t) + 0.3 * Math.sin(2 * Math.PI * 700 * t) + 0.2 * Math.sin(2 * Math.PI * 1800 * t);
    out[i] = Math.round(12000 * env * v);
  }
  return out;
}

function sine(freq: number, rate: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: rate }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate)));
}

function goertzel(x: Int16Array, freq: number, rate: number, from: number): number {
  const c = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < x.length; i++) {
    const s = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / (x.length - from);
}

/** Level of the alias of a full-scale `freq` tone (at 8000 − freq), relative to a 1 kHz tone, after 24 → 8 kHz. */
function aliasText(r: Resample, freq: number): string {
  const ref = goertzel(r.resample(sine(1000, 24000, 32000)), 1000, 8000, 400);
  const out = r.resample(sine(freq, 24000, 32000));
  if (out.subarray(400).every((s) => s === 0)) return 'every sample 0 (alias < ½ LSB, > 96 dB down)';
  return `${(20 * Math.log10(goertzel(out, 8000 - freq, 8000, 400) / ref)).toFixed(1)} dB`;
}

function passband(r: Resample): number {
  return 20 * Math.log10(goertzel(r.resample(sine(1000, 24000, 16000)), 1000, 8000, 400) / 16000);
}

/** The naive resampler Patter replaced, for the alias comparison only. */
function linearResampler(from: number, to: number): Resample {
  return {
    resample(input: Int16Array): Int16Array {
      const n = Math.floor((input.length * to) / from);
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const pos = (i * from) / to;
        const j = Math.floor(pos);
        const frac = pos - j;
        out[i] = Math.round(input[j]! * (1 - frac) + (input[j + 1] ?? input[j]!) * frac);
      }
      return out;
    },
  };
}
