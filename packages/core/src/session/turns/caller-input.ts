import type { CallTransport } from '../../carrier/call-transport.js';
import { HallucinationFilter } from '../../stt/hallucination-filter.js';
import type { ParkedSTTConnection, STTProvider, STTStream } from '../../stt/stt-provider.js';
import type { Transcript } from '../../stt/transcript.js';
import { chooseFormat, createFrameConverter, type FrameConverter } from '../pipeline/audio-path.js';
import type { SessionContext } from '../session-context.js';
import { TurnDetector } from './turn-detector.js';
import { EnergyVoiceActivityDetector } from '../../vad/energy-voice-activity-detector.js';
import type { VoiceActivityDetector } from './voice-activity-detector.js';
import { reportProvider } from '../../telemetry/provider-signals.js';

/** What the caller side reports to the pipeline. */
export interface CallerInputHandlers {
  /** Every STT event, before turn handling (barge-in judges it in the same tick). */
  readonly onTranscript: (event: Transcript, now: number) => void;
  /** Every inbound frame's voice activity (barge-in evidence). */
  readonly onVoice: (voiced: boolean, frameMs: number, now: number) => void;
  /** The caller's turn is over. `speechEndAt`/`finalAt` are performance.now() values. */
  readonly onTurn: (text: string, speechEndAt: number | undefined, finalAt: number) => void;
  /** Whether the agent is speaking (the VAD's decisions matter for barge-in). Absent: always. */
  readonly agentSpeaking?: () => boolean;
}

/** Voiced audio for the hallucination filter: the filter's own silence floor (≈ -44 dBFS). */
const EVIDENCE_RMS = 0.006;
/** With VAD turn detection: how long to wait for the final after finalizing. */
const FINALIZE_WAIT_MS = 1500;

/**
 * The caller's side of a pipeline call: carrier audio → (converted only if needed) → STT;
 * the voice detector; the STT events → turns, with the hallucination filter on each turn.
 */
export class CallerInput {
  readonly sttFormat;
  private readonly convert: FrameConverter | undefined;
  private readonly stream: STTStream;
  private readonly vad: VoiceActivityDetector;
  private readonly turns: TurnDetector;
  private readonly filter: HallucinationFilter | undefined;
  private readonly offAudio: () => void;
  private voicedMs = 0;
  /** The last request id the STT reported (each new one is a `vendorRequest` event). */
  private requestId: string | undefined;
  private lastVoiceAt: number | undefined;
  private finalizeTimer: NodeJS.Timeout | undefined;
  /** The call is ending: the STT's last words still go into the transcript, but start no reply. */
  private closing = false;
  private readonly reading: Promise<void>;

  constructor(
    private readonly context: SessionContext,
    private readonly stt: STTProvider,
    private readonly transport: CallTransport,
    private readonly handlers: CallerInputHandlers,
    parked?: ParkedSTTConnection,
  ) {
    const { agent } = context;
    this.sttFormat = chooseFormat(stt.inputFormats, transport.format, 'stt');
    this.convert = createFrameConverter(transport.format, this.sttFormat);
    // An STT that cannot tell when the caller stopped (buffered HTTP: Whisper) needs the session's VAD.
    const mode = agent.turnDetection ?? (stt.endpointing === false ? 'vad' : 'stt');
    this.turns = new TurnDetector(mode);
    const silenceMs = agent.endpointingMs ?? 700;
    this.vad = agent.vad
      ? agent.vad.create(transport.format, { silenceMs, logger: context.logger, callId: context.callId() })
      : new EnergyVoiceActivityDetector(transport.format, { silenceMs });
    const filterOption = agent.hallucinationFilter ?? true;
    this.filter = filterOption === false ? undefined : new HallucinationFilter(filterOption === true ? {} : filterOption);
    this.stream = stt.stream({
      format: this.sttFormat, signal: context.signal, logger: context.logger, callId: context.callId(), ...(parked ? { parked } : {}),
    });
    this.offAudio = transport.on('audio', (frame) => this.onAudio(frame, mode === 'vad'));
    this.reading = this.readTranscripts();
  }

  /**
   * Ends the STT stream gracefully: the vendor finalizes what it still holds, and the words it
   * sends back (the caller's last words at hang-up) are recorded in the history and transcript.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.offAudio();
    clearTimeout(this.finalizeTimer);
    this.vad.close?.();
    this.context.usage.set(this.stt.key, 'audioSeconds', this.stream.usage().audioSeconds);
    await this.stream.close().catch(() => {});
    await this.reading;
    this.endTurn(this.turns.forceEnd(), performance.now());
  }

  private onAudio(frame: Uint8Array, vadTurns: boolean): void {
    const now = performance.now();
    // The VAD matters for barge-in while the agent speaks, and always when it ends the turns.
    if (!vadTurns && this.handlers.agentSpeaking) this.vad.setNeeded?.(this.handlers.agentSpeaking());
    const activity = this.vad.push(frame);
    const ms = this.vad.lastFrameMs;
    if (this.vad.lastRms >= EVIDENCE_RMS) this.voicedMs += ms;
    if (this.vad.lastVoiced) this.lastVoiceAt = now;
    this.handlers.onVoice(this.vad.lastVoiced, ms, now);
    this.stream.sendAudio(this.convert ? this.convert(frame) : frame);
    if (vadTurns && activity === 'speechEnd') {
      this.turns.expectFinal();
      this.stream.finalize();
      clearTimeout(this.finalizeTimer);
      this.finalizeTimer = setTimeout(() => this.endTurn(this.turns.forceEnd(), performance.now()), FINALIZE_WAIT_MS);
      this.finalizeTimer.unref();
    }
  }

  private async readTranscripts(): Promise<void> {
    try {
      for await (const event of this.stream.transcripts()) {
        if (this.context.signal.aborted) return;
        const now = performance.now();
        if (event.requestId !== undefined && event.requestId !== this.requestId) {
          this.requestId = event.requestId;
          this.context.events.emit('vendorRequest', { kind: 'stt', provider: this.stt.key, requestId: event.requestId });
        }
        if (!this.closing) this.handlers.onTranscript(event, now);
        if (event.eventType === 'Results' && event.text.trim() !== '') {
          // What the caller is saying, live. The turn itself is emitted once, final, when it is committed.
          this.context.events.emit('transcript', { role: 'user', text: event.text, isFinal: false });
        }
        this.endTurn(this.turns.onTranscript(event), now);
      }
    } catch (err) {
      if (this.context.signal.aborted) return;
      this.context.logger.error({ err, callId: this.context.callId() }, 'speech-to-text failed, ending call');
      reportProvider('error', err, this.stt.key);
      void this.context.control.hangup({ immediate: true, reason: 'error', error: err });
    }
  }

  private endTurn(text: string | undefined, finalAt: number): void {
    if (text === undefined) return;
    clearTimeout(this.finalizeTimer);
    const evidence = { voicedMs: this.voicedMs, atMs: finalAt };
    this.voicedMs = 0;
    if (this.filter && !this.filter.accept(text, evidence)) {
      this.context.logger.debug({ callId: this.context.callId() }, 'transcript dropped by hallucination filter');
      return;
    }
    if (this.closing) {
      this.context.conversation.addUser(text);
      return;
    }
    // The audio sent so far, billed as the turn is taken (the cost counters follow a live call).
    this.context.usage.set(this.stt.key, 'audioSeconds', this.stream.usage().audioSeconds);
    this.handlers.onTurn(text, this.lastVoiceAt, finalAt);
  }
}
