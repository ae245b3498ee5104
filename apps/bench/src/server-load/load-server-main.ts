// The server under load, in its own process (the benchmark pins it to one core with taskset).
// PATTER_LOAD_MODE: `mulaw` (Cartesia STT and TTS at μ-law 8 kHz: audio passed through),
// `pcm16` (both at PCM16 16 kHz: transcoded and resampled both ways) or `floor` (a bare `ws`
// server that only parses each media frame and answers it with one: the cost floor), or `engine`
// (OpenAI Realtime, PCM16 24 kHz both ways, against the loopback fake: transcoded and resampled).
// Answers IPC: `stats` (CPU, memory, event-loop delay and collections since the last `reset`), `reset`, `gc`, `close`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { CartesiaSTT, CartesiaTTS } from '@patter/cartesia';
import { PCM16_16K, silentLogger } from '@patter/core';
import { OpenAILLM } from '@patter/openai';
import { OpenAIRealtime } from '@patter/openai-realtime';
import { Patter } from '@patter/server';
import { Twilio } from '@patter/twilio';
import { startFloorServer } from './floor-server.js';
import { GcWatch } from './gc-watch.js';
import { mainThreadCpuUs } from './main-thread-cpu.js';
import { SECONDS_PER_CHARACTER } from './load-vendors.js';

const mode = process.env.PATTER_LOAD_MODE ?? 'mulaw';
const port = Number(process.env.PATTER_LOAD_PORT);
const vendorUrl = process.env.PATTER_LOAD_VENDOR_URL!;
const callSeconds = Number(process.env.PATTER_LOAD_CALL_SECONDS ?? 30);

// PATTER_LOAD_MESSAGE_MS: agent audio per media message (Twilio's `messageMs`; its default when unset).
const messageMs = process.env.PATTER_LOAD_MESSAGE_MS === undefined ? undefined : Number(process.env.PATTER_LOAD_MESSAGE_MS);

function twilio(): Twilio {
  return new Twilio({
    accountSid: process.env.PATTER_LOAD_ACCOUNT_SID!,
    authToken: process.env.PATTER_LOAD_AUTH_TOKEN!,
    baseUrl: 'http://127.0.0.1:9',
    ...(messageMs === undefined ? {} : { messageMs }),
  });
}

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const gcWatch = new GcWatch();

let activeCalls: () => number;
let close: () => Promise<void>;
if (mode === 'floor') {
  const floor = await startFloorServer(port);
  activeCalls = () => floor.connections;
  close = floor.close;
} else if (mode === 'engine') {
  const phone = new Patter({
    carrier: twilio(),
    phoneNumber: '+14155550199',
    webhookUrl: `http://127.0.0.1:${port}`,
    logger: silentLogger,
  });
  const handle = await phone.serve({
    agent: phone.agent({
      engine: new OpenAIRealtime({ apiKey: 'load', baseUrl: `${vendorUrl}/v1` }),
      systemPrompt: 'You are a load test.',
      // The fake's answer to the greeting's response.create lasts the whole call.
      firstMessage: 'Hello, this is the load test.',
    }),
    port,
    host: '127.0.0.1',
    maxCalls: 10_000,
    shutdownSignals: false,
  });
  activeCalls = () => handle.activeCalls;
  close = () => handle.close({ timeoutMs: 0 });
} else {
  const pcm = mode === 'pcm16';
  const sentence = (i: number) => `This is sentence number ${i + 1} of the load test.`;
  const sentences = Math.ceil(callSeconds / (sentence(0).length * SECONDS_PER_CHARACTER)) + 1;
  const phone = new Patter({
    carrier: twilio(),
    phoneNumber: '+14155550199',
    webhookUrl: `http://127.0.0.1:${port}`,
    logger: silentLogger,
  });
  const handle = await phone.serve({
    agent: phone.agent({
      stt: pcm
        ? new CartesiaSTT({ apiKey: 'load', baseUrl: vendorUrl, inputFormats: [PCM16_16K] })
        : CartesiaSTT.forTwilio({ apiKey: 'load', baseUrl: vendorUrl }),
      llm: new OpenAILLM({ apiKey: 'load', baseUrl: vendorUrl }),
      tts: pcm
        ? new CartesiaTTS({ apiKey: 'load', baseUrl: vendorUrl, sampleRate: 16000 })
        : CartesiaTTS.forTwilio({ apiKey: 'load', baseUrl: vendorUrl }),
      systemPrompt: 'You are a load test.',
      // The agent speaks for the whole call (the TTS fake's audio lasts as long as its text).
      firstMessage: Array.from({ length: sentences }, (_, i) => sentence(i)).join(' '),
      allowInterruptions: false,
    }),
    port,
    host: '127.0.0.1',
    maxCalls: 10_000,
    shutdownSignals: false,
  });
  activeCalls = () => handle.activeCalls;
  close = () => handle.close({ timeoutMs: 0 });
}

process.send!({ type: 'ready' });
process.on('message', (message: { type: string; id: number }) => {
  switch (message.type) {
    case 'reset':
      loop.reset();
      gcWatch.reset();
      process.send!({ type: 'reset', id: message.id });
      return;
    case 'gc':
      globalThis.gc?.();
      process.send!({ type: 'gc', id: message.id });
      return;
    case 'stats':
      process.send!({
        type: 'stats',
        id: message.id,
        at: performance.now(),
        cpu: process.cpuUsage(),
        mainThreadCpuUs: mainThreadCpuUs(),
        memory: process.memoryUsage(),
        newSpace: getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0,
        activeCalls: activeCalls(),
        gc: gcWatch.stats(),
        loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      });
      return;
    case 'close':
      void close().then(() => process.exit(0));
  }
});
