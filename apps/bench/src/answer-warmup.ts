import { performance } from 'node:perf_hooks';
import { CartesiaTTS } from '@patter/cartesia';
import {
  MULAW_8K,
  silentLogger,
  type LLMDelta,
  type LLMProvider,
  type STTProvider,
  type STTStream,
  type Transcript,
} from '@patter/core';
import { AsyncQueue } from '@patter/core/plugin';
import { Patter } from '@patter/server';
import { FakeHttpServer, FakeTwilioApi, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import type { BenchReport } from './bench-report.js';

/** Calls per mode; each rings, then opens its stream, then hangs up. */
const CALLS = 15;
/** First calls of each mode not measured (JIT, connection pools). */
const WARMUP_CALLS = 2;
/** How long the phone rings between the voice webhook and the media stream (a short ring). */
const RING_MS = 1_000;
/** The TTS vendor's time to first byte, modelled by the fake (a typical streaming-TTS figure). */
const TTS_TTFB_MS = 200;
const GREETING = 'Thanks for calling Luigi, how can I help?';
const ACCOUNT_SID = 'AC' + 'ab'.repeat(16);
const AUTH_TOKEN = 'bench-auth-token';

/**
 * Answer-time warmup: greeting latency of an inbound call, from the media stream opening to the
 * first agent audio at the carrier, with `warmup` on (the greeting synthesized while the phone
 * rang) and off. Real server, real Twilio carrier and Twilio simulator, real Cartesia TTS plugin
 * against a loopback fake answering after `TTS_TTFB_MS`; STT and LLM are in-process stubs (not on
 * the greeting's path).
 */
export async function run(): Promise<BenchReport> {
  const tts = await FakeHttpServer.start({
    'POST /tts/bytes': (req, res) => {
      const text = (req.json() as { transcript: string }).transcript;
      const audio = new Uint8Array(text.length * 80).fill(0x2a);
      setTimeout(() => void res.stream({ headers: { 'content-type': 'application/octet-stream' }, chunks: [audio], then: 'end' }), TTS_TTFB_MS);
    },
  });
  const api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
  const rows: (string | number)[][] = [];
  try {
    for (const warmup of [false, true]) {
      const latencies = await measure(warmup, tts.url, api.url);
      const sorted = [...latencies].sort((a, b) => a - b);
      rows.push([warmup ? 'on' : 'off', latencies.length, round(percentile(sorted, 0.5)), round(percentile(sorted, 0.9)), round(sorted[sorted.length - 1] ?? Number.NaN)]);
    }
  } finally {
    await api.close();
    await tts.close();
  }
  return {
    title: `Answer-time warmup: stream open → first greeting audio (ms), ${CALLS - WARMUP_CALLS} calls per mode, TTS TTFB ${TTS_TTFB_MS} ms, ring ${RING_MS} ms`,
    columns: ['warmup', 'calls', 'p50', 'p90', 'max'],
    rows,
    notes: ['Measured at the Twilio simulator (its clock, its WebSocket): first media message after the stream opened.'],
  };
}

async function measure(warmup: boolean, ttsUrl: string, apiUrl: string): Promise<number[]> {
  const phone = new Patter({
    carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: apiUrl }),
    phoneNumber: '+14155550199',
    logger: silentLogger,
  });
  const agent = phone.agent({ stt: stubSTT(), llm: stubLLM(), tts: new CartesiaTTS({ apiKey: 'bench-key', baseUrl: ttsUrl }), firstMessage: GREETING });
  const handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, devPhone: false, warmup });
  const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < CALLS; i++) {
      const callSid = `CA${String(i).padStart(32, '0')}`;
      const answer = await simulator.webhook('/twilio/voice', {
        AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound', From: '+14155550100', To: '+14155550199',
      });
      await new Promise((resolve) => setTimeout(resolve, RING_MS));
      const opened = performance.now();
      const call = await simulator.connect(answer.body, callSid);
      const first = await call.media.waitFor(() => true, 10_000);
      if (i >= WARMUP_CALLS) latencies.push(first.at - opened);
      await call.stop();
    }
  } finally {
    await handle.close({ timeoutMs: 0 });
  }
  return latencies;
}

function stubSTT(): STTProvider {
  return {
    key: 'stub_stt',
    inputFormats: [MULAW_8K],
    stream(): STTStream {
      const queue = new AsyncQueue<Transcript>();
      return { sendAudio: () => {}, transcripts: () => queue, finalize: () => {}, close: async () => queue.end(), usage: () => ({ audioSeconds: 0 }) };
    },
  };
}

function stubLLM(): LLMProvider {
  return {
    key: 'stub_llm',
    model: 'stub',
    chat: (): AsyncIterable<LLMDelta> => (async function* () { yield { type: 'text', text: 'Sure.' } as const; })(),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
