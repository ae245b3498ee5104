// Test helpers for the session tests: small in-memory providers and transport that follow the
// contracts as strictly as the real ones. Not exported from the package.
import { durationMs, MULAW_8K, sameFormat, type AudioFormat } from '../audio/audio-format.js';
import type { CallEndReason, CallInfo, CallTransport, CallTransportEvents } from '../carrier/call-transport.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { LLMChatOptions, LLMDelta, LLMProvider, ToolSpec } from '../llm/llm-provider.js';
import type { STTProvider, STTStream, STTStreamOptions } from '../stt/stt-provider.js';
import { transcript, type Transcript } from '../stt/transcript.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../tts/tts-provider.js';
import { AsyncQueue } from '../util/async-queue.js';
import { TypedEmitter } from '../util/typed-emitter.js';

export type TransportCommand =
  | { readonly type: 'audio'; readonly bytes: number }
  | { readonly type: 'mark'; readonly name: string }
  | { readonly type: 'clear' }
  | { readonly type: 'transfer'; readonly to: string }
  | { readonly type: 'hangup' }
  | { readonly type: 'dtmf'; readonly digits: string };

export const CALL_INFO: CallInfo = {
  callId: 'CA123',
  callRef: 'ref-1',
  carrier: 'fake',
  direction: 'inbound',
  from: '+15550001111',
  to: '+15550002222',
  parameters: {},
};

/** A carrier leg whose playback the test drives with `play(ms)` / `playAll()`. */
export class FakeTransport implements CallTransport {
  readonly carrier = 'fake';
  readonly format: AudioFormat = MULAW_8K;
  readonly commands: TransportCommand[] = [];
  readonly audio: Uint8Array[] = [];
  info: CallInfo | undefined;
  closedWith: CallEndReason | undefined;
  private readonly emitter = new TypedEmitter<CallTransportEvents>((err) => {
    throw err;
  });
  private sentMs = 0;
  private played = 0;
  private marks: { name: string; atMs: number; played: (played: boolean) => void }[] = [];
  /** Heard-latency marks placed (see `mark`). */
  readonly heardMarks: string[] = [];
  private drainWaiters: (() => void)[] = [];
  private ended = false;

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  start(info: CallInfo = CALL_INFO): void {
    this.info = info;
    this.emitter.emit('start', info);
  }

  /** Caller audio (μ-law bytes). */
  hear(frame: Uint8Array): void {
    this.emitter.emit('audio', frame);
  }

  private readonly typed = new TypedEmitter<{ text: string }>();

  /** Text typed beside the call (a `TextChannel`'s input; see `createCallSession({ text })`). */
  onText(listener: (text: string) => void): () => void {
    return this.typed.on('text', listener);
  }

  /** Text a person typed (text mode). */
  typeText(text: string): void {
    this.typed.emit('text', text);
  }

  pressKeys(digits: string): void {
    for (const digit of digits) this.emitter.emit('dtmf', digit);
  }

  stop(reason: CallEndReason = 'caller_hangup'): void {
    this.ended = true;
    this.emitter.emit('stop', { reason });
    this.dropMarks();
    this.flushDrain();
  }

  sendAudio(audio: Uint8Array): void {
    if (this.ended) throw new Error('sendAudio after the call ended');
    if (audio.length === 0) throw new Error('empty audio frame');
    this.audio.push(audio);
    this.commands.push({ type: 'audio', bytes: audio.length });
    this.sentMs += durationMs(this.format, audio.length);
  }

  mark(name: string): Promise<boolean> {
    if (name === '') throw new Error('mark needs a name');
    // The session's heard-latency mark (after a reply's first frame) is tracked, not listed.
    if (name.startsWith('patter-heard-')) this.heardMarks.push(name);
    else this.commands.push({ type: 'mark', name });
    if (this.ended) return Promise.resolve(false);
    return new Promise((played) => this.marks.push({ name, atMs: this.sentMs, played }));
  }

  clear(): void {
    this.commands.push({ type: 'clear' });
    this.sentMs = 0;
    this.played = 0;
    this.dropMarks();
    this.flushDrain();
  }

  /** Plays `ms` more of the queued audio; fires the marks reached. */
  play(ms: number): void {
    this.played = Math.min(this.sentMs, this.played + ms);
    const reached = this.marks.filter((m) => m.atMs <= this.played);
    this.marks = this.marks.filter((m) => m.atMs > this.played);
    for (const m of reached) {
      this.emitter.emit('mark', m.name);
      m.played(true);
    }
    if (this.pendingMs() === 0) this.flushDrain();
  }

  /** Plays the queued audio up to the mark `name`, firing it and the marks before it. */
  playThrough(name: string): void {
    const mark = this.marks.find((m) => m.name === name);
    if (mark !== undefined) this.play(mark.atMs - this.played);
  }

  playAll(): void {
    this.play(Number.POSITIVE_INFINITY);
  }

  /** No frames here: the timeline is the exact audio sent. */
  positionMs(): number {
    return this.sentMs;
  }

  playedMs(): number {
    return this.played;
  }

  pendingMs(): number {
    return this.sentMs - this.played;
  }

  drained(): Promise<void> {
    if (this.pendingMs() === 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async sendDtmf(digits: string): Promise<void> {
    this.commands.push({ type: 'dtmf', digits });
  }

  async transfer(to: string): Promise<void> {
    this.commands.push({ type: 'transfer', to });
  }

  async hangup(): Promise<void> {
    if (this.commands.some((c) => c.type === 'hangup')) return;
    this.commands.push({ type: 'hangup' });
  }

  close(reason?: CallEndReason): void {
    this.closedWith = reason;
    if (!this.ended) this.stop(reason ?? 'shutdown');
  }

  count(type: TransportCommand['type']): number {
    return this.commands.filter((c) => c.type === type).length;
  }

  private dropMarks(): void {
    const marks = this.marks;
    this.marks = [];
    for (const m of marks) m.played(false);
  }

  private flushDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A voiced μ-law frame (20 ms): a square wave well above any silence threshold. */
export function voicedFrame(): Uint8Array {
  const frame = new Uint8Array(160);
  for (let i = 0; i < frame.length; i++) frame[i] = i % 16 < 8 ? 0x10 : 0x90;
  return frame;
}

/** μ-law silence (20 ms). */
export function silentFrame(): Uint8Array {
  return new Uint8Array(160).fill(0xff);
}

export class FakeSTTStream implements STTStream {
  readonly frames: Uint8Array[] = [];
  readonly queue = new AsyncQueue<Transcript>();
  finalized = 0;
  closed = false;

  constructor(readonly options: STTStreamOptions) {
    options.signal?.addEventListener('abort', () => this.queue.end(), { once: true });
  }

  sendAudio(audio: Uint8Array): void {
    if (this.closed) throw new Error('sendAudio after close');
    this.frames.push(audio);
  }

  transcripts(): AsyncIterable<Transcript> {
    return this.queue;
  }

  finalize(): void {
    this.finalized++;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.end();
  }

  usage() {
    return { audioSeconds: this.frames.reduce((s, f) => s + f.length, 0) / 8000 };
  }

  /** Vendor events. */
  say(text: string, fields: Partial<Transcript> = {}): void {
    this.queue.push(transcript({ text, isFinal: true, speechFinal: true, ...fields }));
  }

  speechStarted(): void {
    this.queue.push(transcript({ text: '', eventType: 'SpeechStarted' }));
  }
}

export class FakeSTT implements STTProvider {
  readonly key = 'fake_stt';
  inputFormats: readonly AudioFormat[] = [MULAW_8K];
  readonly streams: FakeSTTStream[] = [];

  stream(options: STTStreamOptions): FakeSTTStream {
    if (!this.inputFormats.some((f) => sameFormat(f, options.format))) throw new Error('unsupported STT format');
    const stream = new FakeSTTStream(options);
    this.streams.push(stream);
    return stream;
  }

  get last(): FakeSTTStream {
    const stream = this.streams[this.streams.length - 1];
    if (!stream) throw new Error('no STT stream opened');
    return stream;
  }
}

export interface LLMRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[] | undefined;
  readonly signal: AbortSignal | undefined;
}

export type LLMScript = readonly LLMDelta[] | ((request: LLMRequest) => AsyncIterable<LLMDelta>);

/** Answers each request with the next script; fails when it runs out (a test bug). */
export class FakeLLM implements LLMProvider {
  readonly key = 'fake_llm';
  readonly model = 'fake-1';
  readonly requests: LLMRequest[] = [];

  constructor(private readonly scripts: LLMScript[]) {}

  chat(messages: readonly ChatMessage[], options: LLMChatOptions = {}): AsyncIterable<LLMDelta> {
    const request: LLMRequest = { messages: structuredClone(messages) as ChatMessage[], tools: options.tools, signal: options.signal };
    this.requests.push(request);
    const script = this.scripts.shift();
    if (!script) throw new Error(`unexpected LLM request #${this.requests.length}`);
    if (typeof script === 'function') return script(request);
    return (async function* () {
      for (const delta of script) {
        if (options.signal?.aborted) return;
        yield delta;
      }
    })();
  }
}

export interface TTSRequest {
  readonly text: string;
  readonly format: AudioFormat | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Speaks 1 ms of μ-law per character (8 bytes), in chunks of up to 160 bytes. With
 * `holdAfterFirstChunk`, a request stalls after its first chunk until aborted.
 */
export class FakeTTS implements TTSProvider {
  readonly key = 'fake_tts';
  outputFormats: readonly AudioFormat[] = [MULAW_8K];
  readonly requests: TTSRequest[] = [];
  holdAfterFirstChunk = false;

  synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncIterable<Uint8Array> {
    if (options.format && !this.outputFormats.some((f) => sameFormat(f, options.format as AudioFormat))) {
      throw new Error('unsupported TTS format');
    }
    this.requests.push({ text, format: options.format, signal: options.signal });
    const hold = this.holdAfterFirstChunk;
    return (async function* () {
      let left = text.length * 8;
      let first = true;
      while (left > 0) {
        if (options.signal?.aborted) return;
        const size = Math.min(160, left);
        left -= size;
        yield new Uint8Array(size).fill(0x55);
        if (first && hold) {
          first = false;
          await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve(), { once: true }));
          return;
        }
        first = false;
      }
    })();
  }
}

/** Lets pending promise callbacks run (several microtask and macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Resolves when `predicate` holds, polling each macrotask turn; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
