import { MULAW_8K, type AudioFormat } from '../../audio/audio-format.js';
import type { CallEndReason, CallInfo, CallTransport, CallTransportEvents } from '../../carrier/call-transport.js';
import { TypedEmitter } from '../../util/typed-emitter.js';

export interface TextOnlyTransportOptions {
  readonly callId: string;
  /** The agent transferred the call (after the allowlist check). */
  readonly onTransfer?: ((to: string) => void) | undefined;
  /** The agent sent DTMF digits. */
  readonly onDtmf?: ((digits: string) => void) | undefined;
}

/**
 * The carrier leg of a call without audio (`phone.test()`): started at once, nothing to play, and
 * the agent's transfers and keypad digits reported to the caller of the test. Keypad input from
 * the person typing comes in as `dtmf` events (`press`).
 */
export class TextOnlyTransport implements CallTransport {
  readonly carrier = 'test';
  readonly format: AudioFormat = MULAW_8K;
  readonly info: CallInfo;
  private readonly emitter = new TypedEmitter<CallTransportEvents>();
  private closed = false;

  constructor(private readonly options: TextOnlyTransportOptions) {
    this.info = { callId: options.callId, callRef: options.callId, carrier: this.carrier, direction: 'inbound', parameters: {} };
  }

  /** Whether the call is over (hung up, transferred or closed). */
  get ended(): boolean {
    return this.closed;
  }

  on<K extends keyof CallTransportEvents>(event: K, listener: (payload: CallTransportEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /** The person typed keypad digits. */
  press(digits: string): void {
    if (!this.closed) this.emitter.emit('dtmf', digits);
  }

  sendAudio(): void {}

  mark(): Promise<boolean> {
    return Promise.resolve(true);
  }

  clear(): void {}

  playedMs(): number {
    return 0;
  }

  positionMs(): number {
    return 0;
  }

  pendingMs(): number {
    return 0;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  async sendDtmf(digits: string): Promise<void> {
    this.options.onDtmf?.(digits);
  }

  async transfer(to: string): Promise<void> {
    this.options.onTransfer?.(to);
  }

  async hangup(): Promise<void> {}

  close(reason: CallEndReason = 'shutdown'): void {
    if (this.closed) return;
    this.closed = true;
    this.emitter.emit('stop', { reason });
  }
}
