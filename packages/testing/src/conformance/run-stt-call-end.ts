import {
  silentLogger,
  type AudioFormat,
  type CallEndSummary,
  type CallInfo,
  type CallTransport,
  type CallTransportEvents,
  type LLMProvider,
  type Logger,
  type STTProvider,
  type TTSProvider,
} from '@patter/core';
import { createCallSession, TypedEmitter } from '@patter/core/plugin';

export interface STTCallEndOptions {
  /** The carrier's format: pick one the STT takes natively, so the fake hears the bytes untouched. */
  readonly format: AudioFormat;
  /** Caller audio, sent as frames of `frameBytes` before the caller hangs up. */
  readonly audio: Uint8Array;
  readonly frameBytes: number;
  /** Resolves once the vendor holds the words (e.g. its fake received the audio): then the caller hangs up. */
  readonly beforeHangup?: () => Promise<void>;
  readonly logger?: Logger;
}

/**
 * A pipeline call whose caller hangs up with words in flight: the audio goes to `stt` through
 * the real call session, then the carrier's stop arrives. Returns the call's end summary, whose
 * transcript must hold the words the vendor finalized on close. The LLM and TTS must stay unused
 * (a call that ended starts no reply): they throw if called.
 */
export async function runSTTCallEnd(stt: STTProvider, options: STTCallEndOptions): Promise<CallEndSummary> {
  const transport = new HangupTransport(options.format);
  const session = createCallSession({
    agent: { stt, llm: unusedLLM, tts: unusedTTS(options.format) },
    transport,
    logger: options.logger ?? silentLogger,
  });
  transport.start();
  await new Promise((resolve) => setImmediate(resolve));
  for (let at = 0; at < options.audio.byteLength; at += options.frameBytes) {
    transport.emit('audio', options.audio.subarray(at, Math.min(options.audio.byteLength, at + options.frameBytes)));
  }
  await options.beforeHangup?.();
  transport.emit('stop', { reason: 'caller_hangup' });
  return session.ended;
}

const unusedLLM = {
  key: 'unused_llm',
  chat: () => {
    throw new Error('runSTTCallEnd: no reply may start on a call that ended');
  },
} as unknown as LLMProvider;

function unusedTTS(format: AudioFormat): TTSProvider {
  return {
    key: 'unused_tts',
    outputFormats: [format],
    synthesize: () => {
      throw new Error('runSTTCallEnd: nothing may be said on a call that ended');
    },
  } as unknown as TTSProvider;
}

/** The carrier leg: caller audio in, nothing played out. */
class HangupTransport implements CallTransport {
  readonly carrier = 'sim';
  info: CallInfo | undefined;
  private readonly emitter = new TypedEmitter<CallTransportEvents>((err) => {
    throw err;
  });

  constructor(readonly format: AudioFormat) {}

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  emit<K extends keyof CallTransportEvents>(event: K, payload: CallTransportEvents[K]): void {
    this.emitter.emit(event, payload);
  }

  start(): void {
    this.info = { callId: 'CA-call-end', callRef: 'ref-call-end', carrier: 'sim', direction: 'inbound', parameters: {} };
    this.emit('start', this.info);
  }

  sendAudio(): void {}
  /** Nothing is played on this leg: a mark never is. */
  async mark(): Promise<boolean> {
    return false;
  }
  clear(): void {}
  positionMs(): number {
    return 0;
  }
  playedMs(): number {
    return 0;
  }
  pendingMs(): number {
    return 0;
  }
  async drained(): Promise<void> {}
  async sendDtmf(): Promise<void> {}
  async transfer(): Promise<void> {}
  async hangup(): Promise<void> {}
  close(): void {}
}
