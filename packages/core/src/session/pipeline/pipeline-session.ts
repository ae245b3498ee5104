import type { CallTransport } from '../../carrier/call-transport.js';
import { ConfigError } from '../../errors/config-error.js';
import type { Transcript } from '../../stt/transcript.js';
import type { ParkedSTTConnection, STTProvider } from '../../stt/stt-provider.js';
import { delay } from '../../util/abort.js';
import { BargeInPolicy } from './barge-in.js';
import { CallerInput } from '../turns/caller-input.js';
import { createReplySource } from '../reply/create-reply-source.js';
import { createHoldAudio } from '../speech/create-hold-audio.js';
import { DtmfCollector } from '../turns/dtmf-collector.js';
import type { HoldAudioPlayer } from '../speech/hold-audio-player.js';
import { preparedTTS, type PreparedTTS } from '../speech/prepared-tts.js';
import type { PreparedSpeech } from '../prepared-call.js';
import type { ReplySource, UserTurn } from '../reply/reply-source.js';
import type { SessionContext } from '../session-context.js';
import type { SessionMode } from '../session-mode.js';
import { SpeechOutput } from '../speech/speech-output.js';
import { speakReply, type AgentReply } from './agent-reply.js';
import { TurnTimer } from '../turns/turn-metrics.js';
import { reportProvider } from '../../telemetry/provider-signals.js';
import { splitSentences } from '../reply/split-sentences.js';

/** The longest `waitForPlayback` waits for the agent to finish talking. */
const PLAYBACK_WAIT_MS = 30_000;

/**
 * Pipeline mode: caller audio → STT → turn → LLM (or `onMessage`) → sentence chunker →
 * guardrails → TTS → carrier, with barge-in. The caller speaking over the agent clears the
 * carrier in the same event-loop turn as the STT/VAD event, aborts the LLM and TTS requests,
 * and only the part of the reply that was played stays in the history.
 */
export class PipelineSession implements SessionMode {
  private readonly stt: STTProvider;
  private readonly tts: PreparedTTS;
  private readonly source: ReplySource;
  private readonly speech: SpeechOutput;
  /** While a tool runs long: a sound until the reply starts (not the agent speaking: no barge-in on it). */
  private readonly hold: HoldAudioPlayer | undefined;
  private readonly bargeIn: BargeInPolicy;
  private readonly providers: Record<string, string>;
  private readonly dtmf: DtmfCollector;
  private input: CallerInput | undefined;
  private active: AgentReply | undefined;
  private turnCount = 0;
  private pendingTimer: TurnTimer | undefined;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly context: SessionContext,
    private readonly transport: CallTransport,
  ) {
    const { agent, logger } = context;
    if (!agent.stt) throw new ConfigError('stt', 'a pipeline agent needs `stt`');
    if (!agent.tts) throw new ConfigError('tts', 'a pipeline agent needs `tts`');
    this.stt = agent.stt;
    this.tts = preparedTTS(agent.tts);
    this.source = createReplySource(context);
    let hold: HoldAudioPlayer | undefined;
    this.speech = new SpeechOutput({
      tts: this.tts, transport, logger, usage: context.usage, callId: context.callId,
      onSpeechAudio: () => hold?.speechStarted() ?? false,
    });
    hold = createHoldAudio(
      context,
      { format: transport.format, send: (audio) => this.speech.sendSound(audio), pendingMs: () => transport.pendingMs() },
      () => !this.speech.speaking,
    );
    this.hold = hold;
    this.bargeIn = new BargeInPolicy({
      ...(agent.allowInterruptions === undefined ? {} : { allowInterruptions: agent.allowInterruptions }),
      ...(agent.interruptionMinMs === undefined ? {} : { minMs: agent.interruptionMinMs }),
      ...(agent.interruptionGraceMs === undefined ? {} : { graceMs: agent.interruptionGraceMs }),
    });
    this.providers = { stt: this.stt.key, tts: this.tts.key };
    if (agent.llm && agent.onMessage === undefined) this.providers.llm = agent.llm.key;
    this.dtmf = new DtmfCollector((digits) => {
      const timer = new TurnTimer(++this.turnCount);
      timer.mark('sttFinal');
      this.respond({ text: digits, source: 'dtmf' }, timer);
    });
  }

  listen(parked?: ParkedSTTConnection): void {
    this.offs.push(this.transport.on('dtmf', (digits) => this.dtmf.push(digits)));
    this.input = new CallerInput(this.context, this.stt, this.transport, {
      onTranscript: (event, now) => this.onTranscript(event, now),
      onVoice: (voiced, frameMs, now) => {
        if (this.agentSpeaking() && this.bargeIn.onVoice(voiced, frameMs, this.speech.speakingSince, now)) this.interrupt();
      },
      agentSpeaking: () => this.speech.speaking,
      onTurn: (text, speechEndAt, finalAt) => {
        const timer = this.pendingTimer ?? new TurnTimer(this.turnCount + 1);
        this.pendingTimer = undefined;
        this.turnCount = timer.turn;
        if (speechEndAt !== undefined && speechEndAt <= finalAt) timer.mark('speechEnd', speechEndAt);
        timer.mark('sttFinal', finalAt);
        this.respond({ text, source: 'speech' }, timer);
      },
    }, parked);
  }

  async say(text: string, prepared?: PreparedSpeech): Promise<void> {
    const { context, speech } = this;
    if (context.signal.aborted || text.trim() === '') return;
    if (this.active) {
      // Said by a tool or hook during a reply: queued after it, recorded as said.
      const utterance = speech.start(context.signal);
      for (const sentence of splitSentences(text)) utterance.say(sentence);
      context.conversation.addAgent(text);
      await utterance.finish();
      return;
    }
    // The first message (or a hook's words between turns): interruptible like a reply, and
    // only what was heard stays in the history.
    const controller = new AbortController();
    const utterance = speech.start(controller.signal);
    const reply: AgentReply = { controller, utterance, timer: new TurnTimer(this.turnCount), roundStart: 0, done: Promise.resolve(), committed: false };
    this.active = reply;
    // A prepared clip (synthesized while the phone rang) is the whole text; otherwise one TTS
    // request per sentence, as a reply's.
    if (prepared) {
      this.tts.offer(prepared);
      utterance.say(text);
    } else for (const sentence of splitSentences(text)) utterance.say(sentence);
    reply.done = utterance.finish().then(() => this.played(controller.signal));
    await reply.done;
    if (this.active === reply && !controller.signal.aborted) {
      this.active = undefined;
      this.commit(text, reply, false);
    }
  }

  async waitForPlayback(): Promise<void> {
    const wait = (async () => {
      await this.speech.idle();
      await this.transport.drained();
    })();
    await Promise.race([wait, delay(PLAYBACK_WAIT_MS, this.context.signal).catch(() => {})]);
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.dtmf.close();
    const reply = this.active;
    this.active = undefined;
    if (reply) {
      // The call ended during a reply (or before its last echo was handled): what the caller
      // heard of it stays in the history and the transcript, as on a barge-in.
      reply.controller.abort();
      this.commit(reply.utterance.playedText(reply.roundStart), reply, true);
    }
    this.hold?.close();
    this.speech.close();
    await Promise.all([this.input?.close(), this.source.close?.().catch(() => {})]);
  }

  private agentSpeaking(): boolean {
    return this.speech.speaking && this.hold?.playing !== true;
  }

  private onTranscript(event: Transcript, now: number): void {
    if (event.eventType === 'SpeechStarted' || (event.eventType === 'Results' && event.text.trim() !== '')) {
      if (this.agentSpeaking() && this.bargeIn.onTranscript(event, this.speech.speakingSince, now)) this.interrupt();
    }
    if (event.eventType === 'Results' && event.isFinal && event.text.trim() !== '') {
      this.pendingTimer ??= new TurnTimer(this.turnCount + 1);
    }
  }

  /** Barge-in: runs synchronously from the STT/VAD event. */
  private interrupt(): void {
    const { speech } = this;
    const reply = this.active;
    if (!reply && !speech.speaking) return;
    this.context.logger.debug({ callId: this.context.callId() }, 'caller interrupted the agent');
    if (!reply) {
      this.hold?.reset(false);
      speech.clear();
      return;
    }
    this.active = undefined;
    const heard = reply.utterance.playedText(reply.roundStart);
    const sent = reply.utterance.sentText();
    const heardAll = reply.utterance.playedText();
    this.context.events.emit('bargeIn', { turn: reply.timer.turn, heardShare: sent.length > 0 ? Math.min(1, heardAll.length / sent.length) : 0 });
    this.hold?.reset(false);
    speech.clear();
    reply.controller.abort();
    this.commit(heard, reply, true);
  }

  private commit(text: string, reply: AgentReply, interrupted: boolean): void {
    reply.committed = true;
    this.context.conversation.addAgent(text);
    if (reply.timer.has('sttFinal') || reply.timer.has('firstFrame')) {
      this.context.events.emit('metrics', reply.timer.result(this.context.callId(), interrupted, this.providers));
    }
  }

  /** Resolves once the audio queued so far has been played, or `signal` aborted. */
  private played(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void this.transport.drained().then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private respond(turn: UserTurn, timer: TurnTimer): void {
    const { context } = this;
    if (context.signal.aborted) return;
    if (this.active && !this.bargeIn.enabled) {
      // The caller may not interrupt: answer once the agent has finished.
      void this.active.done.then(() => this.respond(turn, timer));
      return;
    }
    if (this.active) this.interrupt();
    context.events.emit('turnStart', { turn: timer.turn, at: timer.startedAt() });
    context.conversation.addUser(turn.text, turn.source);
    // Not AbortSignal.any(): it keeps a dependent-signal set on the call's signal that grows
    // with every turn. close() aborts the active reply when the call ends.
    const controller = new AbortController();
    const utterance = this.speech.start(controller.signal, {
      onTtsRequest: () => timer.mark('ttsRequest'),
      onTtsFirstByte: () => timer.mark('ttsFirstByte'),
      onFirstFrame: () => timer.mark('firstFrame'),
      onTtsRequestEnd: (request) => timer.addRequest(request),
      // Its echo tells when the caller heard the reply start (the name is looked up on the wire).
      firstFrameMark: `patter-heard-${timer.turn}`,
      onHeard: () => {
        if (!reply.committed) timer.mark('heard');
      },
    });
    const reply: AgentReply = { controller, utterance, timer, roundStart: 0, done: Promise.resolve(), committed: false };
    this.active = reply;
    reply.done = this.runReply(turn, reply);
  }

  private async runReply(turn: UserTurn, reply: AgentReply): Promise<void> {
    const { context, tts } = this;
    const { utterance } = reply;
    const signal = reply.controller.signal;
    try {
      const lastRound = await speakReply(context, this.source, turn, reply, { ttsKey: tts.key, hold: this.hold });
      await utterance.finish();
      if (!signal.aborted) this.hold?.reset();
      // Still interruptible while the carrier plays it: commit once heard to the end.
      await this.played(signal);
      if (this.active === reply && !signal.aborted) {
        this.active = undefined;
        this.commit(lastRound.join(' '), reply, false);
      }
    } catch (err) {
      if (signal.aborted) return;
      this.hold?.reset();
      if (this.active === reply) this.active = undefined;
      context.logger.error({ err, callId: context.callId() }, 'agent reply failed');
      reportProvider('error', err, context.agent.llm?.key ?? 'on_message');
      this.commit(utterance.playedText(reply.roundStart), reply, true);
    }
  }
}
