import type {
  CallControl,
  CallEndReason,
  CallEndSummary,
  CallSession,
  CallSessionEvents,
  CallSessionOptions,
  ChatMessage,
  CarrierCallEvent,
} from '@patter/core';
import { TypedEmitter } from '@patter/core/plugin';

/**
 * A stand-in for core's call session in server tests: records what reaches it (options, audio,
 * DTMF, carrier events) and ends once, when the transport stops or `end()` is called.
 */
export class RecordingSession implements CallSession {
  static readonly all: RecordingSession[] = [];
  readonly audio: Uint8Array[] = [];
  readonly dtmf: string[] = [];
  readonly marks: string[] = [];
  readonly carrierEvents: CarrierCallEvent[] = [];
  readonly control: CallControl;
  readonly ended: Promise<CallEndSummary>;
  endCalls = 0;
  private readonly events = new TypedEmitter<CallSessionEvents>();
  private finish!: (summary: CallEndSummary) => void;
  private done = false;
  private reason: CallEndReason | undefined;
  private readonly startedAt = Date.now();
  private callId = '';

  constructor(readonly options: CallSessionOptions) {
    RecordingSession.all.push(this);
    this.ended = new Promise((resolve) => (this.finish = resolve));
    const { transport } = options;
    transport.on('start', (info) => {
      this.callId = info.callId;
      this.events.emit('callStart', info);
    });
    transport.on('audio', (frame) => this.audio.push(frame.slice()));
    transport.on('dtmf', (digit) => this.dtmf.push(digit));
    transport.on('mark', (name) => this.marks.push(name));
    transport.on('stop', ({ reason }) => this.complete(this.reason ?? reason));
    const session = this;
    let hangup: Promise<void> | undefined;
    this.control = {
      callId: '',
      callRef: transport.info?.callRef ?? '',
      carrier: transport.carrier,
      get ended() {
        return session.done;
      },
      transfer: (to) => transport.transfer(to),
      hangup: () => (hangup ??= session.end('agent_hangup')),
      sendDtmf: (digits) => transport.sendDtmf(digits),
      say: async () => {},
    };
  }

  static reset(): void {
    RecordingSession.all.length = 0;
  }

  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  emit<K extends keyof CallSessionEvents>(event: K, payload: CallSessionEvents[K]): void {
    this.events.emit(event, payload);
  }

  handleCarrierEvent(event: CarrierCallEvent): void {
    this.carrierEvents.push(event);
  }

  history(): readonly ChatMessage[] {
    return [];
  }

  async end(reason: CallEndReason): Promise<void> {
    this.endCalls++;
    if (this.done) return;
    this.reason ??= reason;
    await this.options.transport.hangup().catch(() => {});
    this.complete(this.reason);
  }

  private complete(reason: CallEndReason): void {
    if (this.done) return;
    this.done = true;
    this.options.transport.close(reason);
    const summary: CallEndSummary = {
      callId: this.callId,
      callRef: this.options.transport.info?.callRef ?? '',
      reason,
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt,
      transcript: [],
      usage: {},
      cost: {},
    };
    this.events.emit('callEnd', summary);
    this.finish(summary);
  }
}
