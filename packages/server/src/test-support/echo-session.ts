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

/** What one echo session saw: frames in, and frames that were not this call's or out of order. */
export interface EchoStats {
  from: string;
  frames: number;
  misrouted: number;
  outOfOrder: number;
  ended: boolean;
}

/**
 * A load-test session: sends every caller frame straight back (full duplex) and checks that each
 * frame carries this call's number (bytes 0–1, from the caller id) and the next sequence number (bytes 2–3).
 */
export class EchoSession implements CallSession {
  readonly control: CallControl;
  readonly ended: Promise<CallEndSummary>;
  readonly stats: EchoStats = { from: '', frames: 0, misrouted: 0, outOfOrder: 0, ended: false };
  private readonly events = new TypedEmitter<CallSessionEvents>();
  private finish!: (summary: CallEndSummary) => void;
  private callNumber = -1;
  private readonly startedAt = Date.now();

  constructor(options: CallSessionOptions) {
    const { transport } = options;
    this.ended = new Promise((resolve) => (this.finish = resolve));
    transport.on('start', (info) => {
      this.stats.from = info.from ?? '';
      this.callNumber = Number((info.from ?? '').slice(-4));
      this.events.emit('callStart', info);
    });
    transport.on('audio', (frame) => {
      const number = (frame[0]! << 8) | frame[1]!;
      const seq = (frame[2]! << 8) | frame[3]!;
      if (number !== this.callNumber) this.stats.misrouted++;
      else if (seq !== this.stats.frames) this.stats.outOfOrder++;
      this.stats.frames++;
      transport.sendAudio(frame);
    });
    transport.on('stop', ({ reason }) => {
      this.stats.ended = true;
      const summary = { callId: transport.info?.callId ?? '', callRef: transport.info?.callRef ?? '', reason, startedAt: this.startedAt, durationMs: Date.now() - this.startedAt, transcript: [], usage: {}, cost: {} };
      this.events.emit('callEnd', summary);
      this.finish(summary);
    });
    this.control = {
      callId: '',
      callRef: '',
      carrier: transport.carrier,
      ended: false,
      transfer: (to) => transport.transfer(to),
      hangup: async () => transport.close('agent_hangup'),
      sendDtmf: (digits) => transport.sendDtmf(digits),
      say: async () => {},
    };
    this.end = async (reason: CallEndReason) => transport.close(reason);
  }

  end: (reason: CallEndReason) => Promise<void>;

  history(): readonly ChatMessage[] {
    return [];
  }

  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  handleCarrierEvent(_event: CarrierCallEvent): void {}
}
