import type { CallTransport } from '../../carrier/call-transport.js';
import { ConfigError } from '../../errors/config-error.js';
import type { Transcript } from '../../stt/transcript.js';
import { delay } from '../../util/abort.js';
import { BargeInPolicy } from './barge-in.js';
import { CallerInput } from '../turns/caller-input.js';
import { createReplySource } from '../reply/create-reply-source.js';
import { createHoldAudio } from '../speech/create-hold-audio.js';
import { DtmfCollector } from '../turns/dtmf-collector.js';
import type { HoldAudioPlayer } from '../speech/hold-audio-player.js';
import { preparedTTS } from '../speech/prepared-tts.js';
import type { ReplySource, UserTurn } from '../reply/reply-source.js';
import { streamReply } from '../reply/reply-stream.js';
import type { SessionContext } from '../session-context.js';
import type { SessionMode } from '../session-mode.js';
import { SpeechOutput, type Utterance } from '../speech/speech-output.js';
import { TurnTimer } from '../turns/turn-metrics.js';
import { reportProvider } from '../../telemetry/provider-signals.js';

/** The reply being produced and spoken. */
interface ActiveReply {
  readonly controller: AbortController;
  readonly utterance: Utterance;
  readonly timer: TurnTimer;
  /** Sentences said before the current tool round (already in the history). */
  roundStart: number;
  done: Promise<void>;
}

/** The longest `waitForPlayback` waits for the agent to finish talking. */
const PLAYBACK_WAIT_MS = 30_000;

/**
 * Pipeline mode: caller audio → STT → turn → LLM (or `onMessage`) → sentence chunker →
 * guardrails → TTS → carrier, with barge-in. The caller speaking over the agent clears the
 * carrier in the same event-loop turn as the STT/VAD event, aborts the LLM and TTS requests,
 * and only the part of the reply that was played stays in the history.
 */
export function createPipelineSession(context: SessionContext, transport: CallTransport): SessionMode {
  const { agent, logger } = context;
  if (!agent.stt) throw new ConfigError('stt', 'a pipeline agent needs `stt`');
  if (!agent.tts) throw new ConfigError('tts', 'a pipeline agent needs `tts`');
  const stt = agent.stt;
  const tts = preparedTTS(agent.tts);
  const source: ReplySource = createReplySource(context);
  let hold: HoldAudioPlayer | undefined;
  const speech = new SpeechOutput({
    tts, transport, logger, usage: context.usage, callId: context.callId,
    onSpeechAudio: () => hold?.speechStarted() ?? false,
  });
  // While a tool runs long: a sound until the reply starts (not the agent speaking: no barge-in on it).
  hold = createHoldAudio(context, { format: transport.format, send: (audio) => speech.sendSound(audio), pendingMs: () => transport.pendingMs() }, () => !speech.speaking);
  const agentSpeaking = (): boolean => speech.speaking && hold?.playing !== true;
  const bargeIn = new BargeInPolicy({
    ...(agent.allowInterruptions === undefined ? {} : { allowInterruptions: agent.allowInterruptions }),
    ...(agent.interruptionMinMs === undefined ? {} : { minMs: agent.interruptionMinMs }),
    ...(agent.interruptionGraceMs === undefined ? {} : { graceMs: agent.interruptionGraceMs }),
  });
  const providers: Record<string, string> = { stt: stt.key, tts: tts.key };
  if (agent.llm && agent.onMessage === undefined) providers.llm = agent.llm.key;
  let input: CallerInput | undefined;
  let active: ActiveReply | undefined;
  let turnCount = 0;
  let pendingTimer: TurnTimer | undefined;
  /** Heard marks not yet echoed → their turn's timer. */
  const heardMarks = new Map<string, TurnTimer>();
  const offHeard = transport.on('mark', (name) => {
    const timer = heardMarks.get(name);
    if (!timer) return;
    heardMarks.delete(name);
    timer.mark('heard');
  });

  /** Barge-in: runs synchronously from the STT/VAD event. */
  const interrupt = (): void => {
    const reply = active;
    if (!reply && !speech.speaking) return;
    logger.debug({ callId: context.callId() }, 'caller interrupted the agent');
    if (reply) {
      active = undefined;
      const heard = reply.utterance.playedText(reply.roundStart);
      const sent = reply.utterance.sentText();
      const heardAll = reply.utterance.playedText();
      context.events.emit('bargeIn', { turn: reply.timer.turn, heardShare: sent.length > 0 ? Math.min(1, heardAll.length / sent.length) : 0 });
      hold?.reset(false);
      speech.clear();
      reply.controller.abort();
      commit(heard, reply, true);
    } else {
      hold?.reset(false);
      speech.clear();
    }
  };

  const commit = (text: string, reply: ActiveReply, interrupted: boolean): void => {
    heardMarks.delete(`patter-heard-${reply.timer.turn}`);
    context.history.addAssistant(text);
    if (text !== '') context.recordTranscript({ role: 'assistant', text });
    if (reply.timer.has('sttFinal') || reply.timer.has('firstFrame')) {
      context.events.emit('metrics', reply.timer.result(context.callId(), interrupted, providers));
    }
  };

  /** Resolves once the audio queued so far has been played, or `signal` aborted. */
  const played = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void transport.drained().then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });

  const respond = (turn: UserTurn, timer: TurnTimer): void => {
    if (context.signal.aborted) return;
    if (active && !bargeIn.enabled) {
      // The caller may not interrupt: answer once the agent has finished.
      const previous = active;
      void previous.done.then(() => respond(turn, timer));
      return;
    }
    if (active) interrupt();
    context.events.emit('turnStart', { turn: timer.turn, at: timer.startedAt() });
    const heardMark = `patter-heard-${timer.turn}`;
    heardMarks.set(heardMark, timer);
    context.history.addUser(turn.source === 'dtmf' ? `[keypad] ${turn.text}` : turn.text);
    context.recordTranscript({ role: 'user', text: turn.text });
    // Not AbortSignal.any(): it keeps a dependent-signal set on the call's signal that grows
    // with every turn. close() aborts the active reply when the call ends.
    const controller = new AbortController();
    const signal = controller.signal;
    const utterance = speech.start(signal, {
      onTtsRequest: () => timer.mark('ttsRequest'),
      onTtsFirstByte: () => timer.mark('ttsFirstByte'),
      onFirstFrame: () => timer.mark('firstFrame'),
      onTtsRequestEnd: (request) => timer.addRequest(request),
      firstFrameMark: heardMark,
    });
    const reply: ActiveReply = { controller, utterance, timer, roundStart: 0, done: Promise.resolve() };
    active = reply;
    let said = 0;
    reply.done = (async () => {
      try {
        const lastRound = await streamReply(
          context,
          source,
          turn,
          signal,
          {
            sentence: (text) => {
              said++;
              timer.addUsage(tts.key, 'characters', text.length);
              utterance.say(text);
            },
            toolRound: () => {
              reply.roundStart = said;
              hold?.toolStarted();
            },
          },
          {
            onRequest: () => {
              hold?.toolFinished();
              timer.mark('llmRequest');
            },
            onFirstToken: () => timer.mark('llmFirstToken'),
            onFirstSentence: () => timer.mark('firstSentence'),
            onRequestEnd: (request) => timer.addRequest(request),
            onUsage: (usage) => {
              const key = agent.llm?.key ?? 'llm';
              timer.addUsage(key, 'inputTokens', usage.inputTokens);
              timer.addUsage(key, 'outputTokens', usage.outputTokens);
            },
          },
        );
        await utterance.finish();
        if (!signal.aborted) hold?.reset();
        // Still interruptible while the carrier plays it: commit once heard to the end.
        await played(signal);
        if (active === reply && !signal.aborted) {
          active = undefined;
          commit(lastRound.join(' '), reply, false);
        }
      } catch (err) {
        if (signal.aborted) return;
        hold?.reset();
        if (active === reply) active = undefined;
        logger.error({ err, callId: context.callId() }, 'agent reply failed');
        reportProvider('error', err, agent.llm?.key ?? 'on_message');
        commit(reply.utterance.playedText(reply.roundStart), reply, true);
      }
    })();
  };

  const dtmf = new DtmfCollector((digits) => {
    const timer = new TurnTimer(++turnCount);
    timer.mark('sttFinal');
    respond({ text: digits, source: 'dtmf' }, timer);
  });

  const onTranscript = (event: Transcript, now: number): void => {
    if (event.eventType === 'SpeechStarted' || (event.eventType === 'Results' && event.text.trim() !== '')) {
      if (agentSpeaking() && bargeIn.onTranscript(event, speech.speakingSince, now)) interrupt();
    }
    if (event.eventType === 'Results' && event.isFinal && event.text.trim() !== '') {
      pendingTimer ??= new TurnTimer(turnCount + 1);
    }
  };

  let offDtmf: (() => void) | undefined;

  return {
    listen(parked) {
      offDtmf = transport.on('dtmf', (digits) => dtmf.push(digits));
      input = new CallerInput(context, stt, transport, {
        onTranscript,
        onVoice: (voiced, frameMs, now) => {
          if (agentSpeaking() && bargeIn.onVoice(voiced, frameMs, speech.speakingSince, now)) interrupt();
        },
        agentSpeaking: () => speech.speaking,
        onTurn: (text, speechEndAt, finalAt) => {
          const timer = pendingTimer ?? new TurnTimer(turnCount + 1);
          pendingTimer = undefined;
          turnCount = timer.turn;
          if (speechEndAt !== undefined && speechEndAt <= finalAt) timer.mark('speechEnd', speechEndAt);
          timer.mark('sttFinal', finalAt);
          respond({ text, source: 'speech' }, timer);
        },
      }, parked);
    },
    async say(text, prepared) {
      if (context.signal.aborted || text.trim() === '') return;
      if (active) {
        // Said by a tool or hook during a reply: queued after it, recorded as said.
        const utterance = speech.start(context.signal);
        utterance.say(text);
        context.history.addAssistant(text);
        context.recordTranscript({ role: 'assistant', text });
        await utterance.finish();
        return;
      }
      // The first message (or a hook's words between turns): interruptible like a reply, and
      // only what was heard stays in the history.
      const controller = new AbortController();
      const utterance = speech.start(controller.signal);
      const reply: ActiveReply = { controller, utterance, timer: new TurnTimer(turnCount), roundStart: 0, done: Promise.resolve() };
      active = reply;
      if (prepared) tts.offer(prepared);
      utterance.say(text);
      reply.done = utterance.finish().then(() => played(controller.signal));
      await reply.done;
      if (active === reply && !controller.signal.aborted) {
        active = undefined;
        commit(text, reply, false);
      }
    },
    async waitForPlayback() {
      const wait = (async () => {
        await speech.idle();
        await transport.drained();
      })();
      await Promise.race([wait, delay(PLAYBACK_WAIT_MS, context.signal).catch(() => {})]);
    },
    async close() {
      offDtmf?.();
      offHeard();
      heardMarks.clear();
      dtmf.close();
      const reply = active;
      active = undefined;
      if (reply) {
        // The call ended during a reply (or before its last echo was handled): what the caller
        // heard of it stays in the history and the transcript, as on a barge-in.
        reply.controller.abort();
        commit(reply.utterance.playedText(reply.roundStart), reply, true);
      }
      hold?.close();
      speech.close();
      await Promise.all([input?.close(), source.close?.().catch(() => {})]);
    },
  };
}
