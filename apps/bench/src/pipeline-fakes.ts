import { performance } from 'node:perf_hooks';
import {
  MULAW_8K,
  type AudioFormat,
  type CallEndReason,
  type CallInfo,
  type CallTransport,
  type CallTransportEvents,
  type ChatMessage,
  type LLMChatOptions,
  type LLMDelta,
  type LLMProvider,
  type STTProvider,
  type STTStream,
  type TTSProvider,
  type TTSSynthesizeOptions,
  type Transcript,
} from '@patter/core';
import { AsyncQueue, transcript, TypedEmitter } from '@patter/core/plugin';

/** Timestamps (performance.now()) of one turn, stamped by the zero-delay fakes. */
export interface TurnStamps {
  sttFinal?: number;
  llmRequest?: number;
  llmFirstToken?: number;
  ttsRequest?: number;
  ttsFirstByte?: number;
  firstFrame?: number;
}

/** One call's fakes; `stamps` is the current turn. */
export class CallFakes {
  stamps: TurnStamps = {};
  readonly stt: STTProvider;
  readonly llm: LLMProvider;
  readonly tts: TTSProvider;
  readonly transport: BenchTransport;
  private queue: AsyncQueue<Transcript> | undefined;

  constructor(info: CallInfo) {
    const self = this;
    this.transport = new BenchTransport(info, () => {
      self.stamps.firstFrame ??= performance.now();
    });
    this.stt = {
      key: 'zero_stt',
      inputFormats: [MULAW_8K],
      stream(): STTStream {
        const queue = new AsyncQueue<Transcript>();
        self.queue = queue;
        let bytes = 0;
        return {
          sendAudio: (audio) => {
            bytes += audio.length;
          },
          transcripts: () => queue,
          finalize: () => {},
          close: async () => queue.end(),
          usage: () => ({ audioSeconds: bytes / 8000 }),
        };
      },
    };
    this.llm = {
      key: 'zero_llm',
      model: 'zero',
      chat(_messages: readonly ChatMessage[], options?: LLMChatOptions): AsyncIterable<LLMDelta> {
        self.stamps.llmRequest ??= performance.now();
        return (async function* () {
          self.stamps.llmFirstToken ??= performance.now();
          yield { type: 'text', text: 'Sure, I can help with that. ' } as const;
          if (options?.signal?.aborted) return;
          yield { type: 'text', text: 'Your table for two is booked for 7 p.m. tonight.' } as const;
          yield { type: 'usage', usage: { inputTokens: 120, outputTokens: 20 } } as const;
        })();
      },
    };
    const frame = new Uint8Array(160).fill(0x55);
    this.tts = {
      key: 'zero_tts',
      outputFormats: [MULAW_8K],
      synthesize(_text: string, _options?: TTSSynthesizeOptions): AsyncIterable<Uint8Array> {
        return (async function* () {
          self.stamps.ttsRequest ??= performance.now();
          self.stamps.ttsFirstByte ??= performance.now();
          yield frame;
          yield frame;
        })();
      },
    };
  }

  /** The vendor's final transcript for the caller's turn arrives now. */
  final(text: string): void {
    this.stamps = { sttFinal: performance.now() };
    this.queue?.push(transcript({ text, isFinal: true, speechFinal: true }));
  }
}

/** A transport that "plays" instantly once the turn is measured; counts marks. */
export class BenchTransport implements CallTransport {
  readonly carrier = 'bench';
  readonly format: AudioFormat = MULAW_8K;
  info: CallInfo | undefined;
  marks = 0;
  private readonly emitter = new TypedEmitter<CallTransportEvents>();
  private pending = 0;

  constructor(
    private readonly callInfo: CallInfo,
    private readonly onFrame: () => void,
  ) {}

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }
  start(): void {
    this.info = this.callInfo;
    this.emitter.emit('start', this.callInfo);
  }
  hear(frame: Uint8Array): void {
    this.emitter.emit('audio', frame);
  }
  sendAudio(audio: Uint8Array): void {
    this.onFrame();
    this.pending += audio.length / 8;
  }
  mark(name: string): Promise<boolean> {
    // Sentence marks only: the session's heard-latency mark (after a reply's first frame) is not one.
    if (!name.startsWith('patter-heard-')) this.marks++;
    this.emitter.emit('mark', name);
    return Promise.resolve(true);
  }
  clear(): void {
    this.pending = 0;
  }
  positionMs(): number {
    return this.pending;
  }
  playedMs(): number {
    return 0;
  }
  pendingMs(): number {
    return this.pending;
  }
  /** The carrier played everything. */
  playAll(): void {
    this.pending = 0;
  }
  async drained(): Promise<void> {}
  async sendDtmf(): Promise<void> {}
  async transfer(): Promise<void> {}
  async hangup(): Promise<void> {}
  close(reason: CallEndReason = 'shutdown'): void {
    this.emitter.emit('stop', { reason });
  }
}
