// Test helpers for the engine tests: an engine whose sessions record what the bridge sends and
// emit what the test says. Not exported from the package.
import { MULAW_8K, type AudioFormat } from '../../audio/audio-format.js';
import type { Engine, EngineConnectOptions, EngineEvent, EngineSession } from '../../engine/engine.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { createCallSession } from '../create-call-session.js';
import { FakeTransport } from '../testing-fakes.js';

/** An engine whose sessions record what the bridge sends and emit what the test says. */
export class FakeEngine implements Engine {
  readonly key = 'fake_engine';
  readonly sessions: FakeEngineSession[] = [];
  readonly connects: EngineConnectOptions[] = [];
  constructor(private readonly format: AudioFormat = MULAW_8K) {}
  async connect(options: EngineConnectOptions): Promise<EngineSession> {
    this.connects.push(options);
    const session = new FakeEngineSession(this.format);
    this.sessions.push(session);
    return session;
  }
}

export class FakeEngineSession implements EngineSession {
  readonly audio: Uint8Array[] = [];
  readonly said: string[] = [];
  readonly interrupts: number[] = [];
  readonly toolResults: { callId: string; output: string }[] = [];
  closed = false;
  private readonly queue = new AsyncQueue<EngineEvent>();
  constructor(readonly inputFormat: AudioFormat, readonly outputFormat: AudioFormat = inputFormat) {}
  emit(event: EngineEvent): void {
    this.queue.push(event);
  }
  sendAudio(audio: Uint8Array): void {
    this.audio.push(audio);
  }
  events(): AsyncIterable<EngineEvent> {
    return this.queue;
  }
  sendToolResult(callId: string, output: string): void {
    this.toolResults.push({ callId, output });
  }
  interrupt(playedMs: number): void {
    this.interrupts.push(playedMs);
  }
  say(text: string): void {
    this.said.push(text);
  }
  async close(): Promise<void> {
    this.closed = true;
    this.queue.end();
  }
}

export function engineCall(agent: Partial<Parameters<typeof createCallSession>[0]['agent']> = {}) {
  const transport = new FakeTransport();
  const engine = new FakeEngine();
  const session = createCallSession({
    transport,
    agent: { engine, systemPrompt: 'You work for {company}.', variables: { company: 'Acme' }, ...agent },
  });
  transport.start();
  return { transport, engine, session };
}

export const frame = (byte: number, length = 160) => new Uint8Array(length).fill(byte);
