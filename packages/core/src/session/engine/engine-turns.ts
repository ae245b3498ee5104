import type { CallTransport } from '../../carrier/call-transport.js';
import { sendMarkingFirstFrame } from '../../carrier/mark-first-frame.js';
import type { SessionContext } from '../session-context.js';
import { TurnTimer } from '../turns/turn-metrics.js';

const HEARD_MARK = 'patter-heard-engine-';

/**
 * Engine mode's per-turn latency: from the caller's speech end (the engine's `speechStopped`,
 * else the caller's final transcript) to the reply's first audio sent, and to its first frame
 * played (a mark after it; its echo is the carrier's word). Emits `turnStart`, `metrics` once
 * heard (or cut before) and `bargeIn`.
 */
export class EngineTurns {
  private timer: TurnTimer | undefined;
  private turn = 0;
  /** The engine reports speech end: final transcripts (which may come late) do not start turns. */
  private speechEvents = false;

  constructor(
    private readonly context: SessionContext,
    private readonly transport: CallTransport,
  ) {}

  /** The caller finished a turn: by the engine's VAD (`speech`) or as a final transcript. */
  onCallerTurnEnd(source: 'speech' | 'transcript', at = performance.now()): void {
    if (source === 'speech') this.speechEvents = true;
    else if (this.speechEvents || this.timer) return;
    if (this.timer?.has('firstFrame')) this.emit(true);
    this.timer = new TurnTimer(++this.turn);
    this.timer.mark('speechEnd', at);
    this.context.events.emit('turnStart', { turn: this.turn, at });
  }

  /** Sends the engine's audio; the first audio of a turn's reply carries the heard mark. */
  send(audio: Uint8Array): void {
    const timer = this.timer;
    if (!timer || timer.has('firstFrame')) {
      this.transport.sendAudio(audio);
      return;
    }
    timer.mark('firstFrame');
    void sendMarkingFirstFrame(this.transport, audio, `${HEARD_MARK}${timer.turn}`).then((played) => {
      // Heard while still the current turn (not cut, not followed by the caller's next turn).
      if (!played || this.timer !== timer) return;
      timer.mark('heard');
      this.emit(false);
    });
  }

  /** The reply was cut (barge-in): `heardShare` of it had been played. */
  onCut(heardShare: number): void {
    this.context.events.emit('bargeIn', { turn: this.timer?.turn ?? this.turn, heardShare });
    if (this.timer?.has('firstFrame')) this.emit(true);
  }

  close(): void {
    this.timer = undefined;
  }

  private emit(interrupted: boolean): void {
    const timer = this.timer;
    if (!timer) return;
    this.timer = undefined;
    const key = this.context.agent.engine?.key ?? 'engine';
    this.context.events.emit('metrics', timer.result(this.context.callId(), interrupted, { engine: key }));
  }
}
