import type { AgentOptions, AudioFormat, Engine } from '@patter/core';
import { createAudioConverter } from '@patter/core/plugin';
import {
  beginResponse,
  configuredState,
  endResponse,
  FakeHttpServer,
  loadFixture,
  pcmToBytes,
  sendAudioDelta,
  sineWave,
  startFakeRealtime,
  type FakeHttpRoutes,
  type FakeWebSocketConnection,
  type FakeWebSocketServer,
  type TwilioSimulatedCall,
} from '@patter/testing';
import { afterEach } from 'vitest';
import { startEngineServer, type EngineServer } from './engine-server.js';

// A Twilio call through the real server and the real OpenAI Realtime engines, against the
// strict loopback fake of OpenAI's GA Realtime endpoint: what the openai-realtime-*.e2e tests share.

/** The caller: 500 ms of a booking request, μ-law 8 kHz. */
export const CALLER = loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 160 * 25);

/** Agent speech: a tone, as PCM16 24 kHz bytes. */
export const tone = (durationMs: number) => pcmToBytes(sineWave({ durationMs, sampleRate: 24_000, frequency: 300 }));

/** What core's stateful converter makes of `chunks`, fed in that order. */
export function converted(from: AudioFormat, to: AudioFormat, chunks: readonly Uint8Array[]): Uint8Array {
  const converter = createAudioConverter(from, to);
  return new Uint8Array(Buffer.concat(chunks.map((chunk) => Buffer.from(converter.convert(chunk)))));
}

/** `audio` cut into pieces of `size` bytes (the last may be shorter). */
export const frames = (audio: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(audio.byteLength / size) }, (_, i) => audio.subarray(i * size, (i + 1) * size));

/** The fake speaks `audio` (as one response of 100 ms deltas) and finishes the response. */
export async function speak(conn: FakeWebSocketConnection, audio: Uint8Array, id: string, deltaBytes: number): Promise<Uint8Array[]> {
  await beginResponse(conn, `resp_${id}`, `item_${id}`);
  const deltas = frames(audio, deltaBytes);
  for (const delta of deltas) await sendAudioDelta(conn, `resp_${id}`, `item_${id}`, delta);
  await conn.send({ type: 'response.output_audio_transcript.done', response_id: `resp_${id}`, item_id: `item_${id}`, transcript: 'Sure, for how many?' });
  await endResponse(conn, `resp_${id}`);
  return deltas;
}

/**
 * The fakes and the server of one test: each `start…` is closed after the test (server first,
 * then the Realtime fake, then the webhook receiver).
 */
export class OpenAIRealtimeHarness {
  private fake: FakeWebSocketServer | undefined;
  private server: EngineServer | undefined;
  private hooks: FakeHttpServer | undefined;

  /** Starts the strict OpenAI Realtime fake (or the fake `start` makes). */
  async startFake(start: () => Promise<FakeWebSocketServer> = () => startFakeRealtime()): Promise<FakeWebSocketServer> {
    this.fake = await start();
    return this.fake;
  }

  /** Closes the fake now (its sockets drop with 1006 and new connections are refused). */
  async closeFake(): Promise<void> {
    const gone = this.fake;
    this.fake = undefined;
    await gone?.close();
  }

  /** Starts a webhook receiver (for webhook tools). */
  async startHooks(routes: FakeHttpRoutes): Promise<FakeHttpServer> {
    this.hooks = await FakeHttpServer.start(routes);
    return this.hooks;
  }

  /** Starts the Patter server (Twilio simulator, fake Twilio REST API) with an engine agent. */
  async startServer(agent: AgentOptions): Promise<EngineServer> {
    this.server = await startEngineServer(agent);
    return this.server;
  }

  /** An inbound call to an agent of Luigi's, once the engine's session on the fake is configured. */
  async call(options: AgentOptions & { readonly engine: Engine }) {
    const server = await this.startServer({ systemPrompt: 'You take bookings for {place}.', variables: { place: 'Luigi' }, ...options });
    const callHandle: TwilioSimulatedCall = await server.simulator.inboundCall({ from: '+14155550100' });
    const conn: FakeWebSocketConnection = await this.fake!.nextConnection();
    await configuredState(conn);
    return { call: callHandle, conn, server };
  }

  async close(): Promise<void> {
    await this.server?.close();
    await this.fake?.close();
    await this.hooks?.close();
    this.server = this.fake = this.hooks = undefined;
  }
}

/** A harness whose fakes and server are closed after each test of the file. */
export function openAIRealtimeHarness(): OpenAIRealtimeHarness {
  const harness = new OpenAIRealtimeHarness();
  afterEach(() => harness.close());
  return harness;
}
