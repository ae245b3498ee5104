import type { CallEndReason, CallInfo } from '../carrier/call-transport.js';
import type { CarrierCallEvent } from '../carrier/carrier.js';
import { AnsweringMachineGate } from './answering-machine-gate.js';
import type { CallEndSummary, CallSession, CallSessionOptions } from './call-session.js';
import { createCallControl } from './call-control.js';
import { describeCallFailure, type CallFailure } from './call-failure.js';
import { createEngineBridge } from './engine/engine-bridge.js';
import { createPipelineSession } from './pipeline/pipeline-session.js';
import { createTextMode } from './text/text-mode.js';
import { withDefaultPricing } from './usage/pricing.js';
import { SessionCore } from './session-core.js';
import { observeCall } from '../telemetry/observe-call.js';
import type { SessionMode } from './session-mode.js';
import { awaitPrepared, type PreparedCall } from './prepared-call.js';

const DEFAULT_MAX_CALL_MS = 60 * 60 * 1000;

/**
 * One call: wires the transport to the agent. Pipeline mode (`stt` + `llm`|`onMessage` +
 * `tts`) or engine mode (`engine`) is chosen from the agent. The session starts when the
 * transport's `start` arrives (or at once if it already did), speaks the first message — after
 * answering-machine detection when `overrides.machineDetection` — and ends once, emitting
 * `callEnd` with the duration, reason, transcript, usage and cost.
 */
export function createCallSession(options: CallSessionOptions): CallSession {
  const { agent, transport, overrides = {} } = options;
  const baseLogger = options.logger;
  let info: CallInfo | undefined = transport.info;
  let finished = false;
  let endReason: CallEndReason | undefined;
  let failure: CallFailure | undefined;
  let startedAt = Date.now();
  let mode: SessionMode | undefined;
  let resolveEnded: (summary: CallEndSummary) => void = () => {};
  const ended = new Promise<CallEndSummary>((resolve) => {
    resolveEnded = resolve;
  });

  const core: SessionCore = new SessionCore({
    agent,
    ...(baseLogger ? { logger: baseLogger } : {}),
    ...(overrides.variables ? { variables: overrides.variables } : {}),
    callId: () => info?.callId ?? '',
    control: (c) =>
      createCallControl(
        {
          carrier: transport.carrier,
          info: () => info,
          ended: () => finished || endReason !== undefined,
          logger: c.context.logger,
          transfer: (to) => transport.transfer(to),
          sendDtmf: (digits) => transport.sendDtmf(digits),
          say: (text) => mode?.say(text) ?? Promise.resolve(),
          waitForPlayback: () => mode?.waitForPlayback() ?? transport.drained(),
          end: (reason, error) => end(reason, error),
          onAction: (action, startedAt, error) =>
            c.events.emit('callAction', { action, startedAt, ...(error === undefined ? {} : { error }) }),
        },
        agent.transferAllowlist,
      ),
  });
  const { context, events } = core;
  observeCall(events, { agent, carrier: transport.carrier, textMode: !agent.engine && !agent.stt && !agent.tts && options.text !== undefined });
  const logger = context.logger;
  const firstMessage = core.substitute(overrides.firstMessage ?? agent.firstMessage);
  const voicemailMessage = core.substitute(overrides.voicemailMessage ?? agent.voicemailMessage);
  mode = agent.engine
    ? createEngineBridge(context, transport)
    : !agent.stt && !agent.tts && options.text
      ? createTextMode(context, transport, options.text)
      : createPipelineSession(context, transport);

  const early: CarrierCallEvent[] = [];
  let started = false;
  const gate = overrides.machineDetection
    ? new AnsweringMachineGate({
        onHuman: () => converse(),
        onVoicemail: () => void leaveVoicemail(),
        onFax: () => void end('machine'),
      })
    : undefined;
  let maxTimer: NodeJS.Timeout | undefined;

  // The prepared call once settled: the stream's `start` comes several socket reads after the
  // webhook, so a preparation already done is known by then. A parked STT connection goes to the
  // pipeline's STT stream; one nobody adopts (engine mode, prepared too late, call over) is closed.
  let preparedNow: PreparedCall | undefined;
  let listened = false;
  void options.prepared?.then(
    (prepared) => {
      preparedNow = prepared;
      if (listened || finished) prepared?.stt?.close();
    },
    () => {},
  );

  const converse = (): void => {
    if (finished || !mode) return;
    try {
      listened = true;
      const parked = agent.engine ? undefined : preparedNow?.stt;
      if (preparedNow?.stt && !parked) preparedNow.stt.close();
      mode.listen(parked);
    } catch (err) {
      logger.error({ err, callId: info?.callId }, 'could not start the conversation, ending the call');
      void end('error', err);
      return;
    }
    if (firstMessage) void sayFirstMessage(mode, firstMessage);
  };

  /** The greeting, from the audio prepared while the call rang when there is some. */
  const sayFirstMessage = async (current: SessionMode, text: string): Promise<void> => {
    // An engine takes its greeting in the same turn as `listen` (ElevenLabs only in its
    // conversation initiation), so it never waits for prepared audio (pipeline only).
    const prepared = options.prepared && !agent.engine ? await awaitPrepared(options.prepared, logger) : undefined;
    if (finished) return;
    await current.say(text, prepared?.firstMessage?.text === text ? prepared.firstMessage : undefined);
  };

  const leaveVoicemail = async (): Promise<void> => {
    if (finished || !mode) return;
    if (voicemailMessage) {
      await mode.say(voicemailMessage);
      await mode.waitForPlayback();
    }
    await end('voicemail');
  };

  const start = (callInfo: CallInfo): void => {
    if (started || finished) return;
    started = true;
    info = callInfo;
    startedAt = Date.now();
    logger.info({ callId: callInfo.callId, carrier: callInfo.carrier, direction: callInfo.direction }, 'call started');
    events.emit('callStart', callInfo);
    maxTimer = setTimeout(() => void end('timeout'), agent.maxCallDurationMs ?? DEFAULT_MAX_CALL_MS);
    maxTimer.unref();
    if (gate) {
      gate.start();
      for (const event of early.splice(0)) gate.handle(event);
    } else {
      converse();
    }
  };

  const finish = async (reason: CallEndReason): Promise<void> => {
    if (finished) return;
    finished = true;
    if (!listened) preparedNow?.stt?.close();
    clearTimeout(maxTimer);
    gate?.close();
    offStart();
    offStop();
    // Close before the abort: vendor sockets then end gracefully (end-of-audio message, last
    // words into the transcript, close frame) instead of being cut by the call's signal.
    await mode?.close().catch((err: unknown) => logger.warn({ err, callId: info?.callId }, 'session close failed'));
    core.controller.abort();
    const durationMs = started ? Date.now() - startedAt : 0;
    const carrierKey = transport.carrier;
    if (started) context.usage.set(carrierKey, 'callSeconds', durationMs / 1000);
    // An engine billed by the minute of conversation prices this with `perCallMinute`.
    if (started && agent.engine) context.usage.set(agent.engine.key, 'callSeconds', durationMs / 1000);
    const summary: CallEndSummary = {
      callId: info?.callId ?? '',
      callRef: info?.callRef ?? '',
      reason,
      startedAt,
      durationMs,
      transcript: core.transcript.slice(),
      usage: context.usage.snapshot(),
      cost: context.usage.cost(withDefaultPricing(agent.pricing)),
      ...(failure !== undefined && { error: failure }),
    };
    logger.info({ callId: summary.callId, reason, durationMs }, 'call ended');
    events.emit('callEnd', summary);
    resolveEnded(summary);
  };

  const end = async (reason: CallEndReason, error?: unknown): Promise<void> => {
    if (finished || endReason !== undefined) return ended.then(() => undefined);
    endReason = reason;
    if (error !== undefined) failure = describeCallFailure(error);
    try {
      await transport.hangup();
    } catch (err) {
      logger.warn({ err, callId: info?.callId }, 'hangup failed');
    }
    transport.close(reason, failure);
    await finish(reason);
  };

  const offStart = transport.on('start', start);
  const offStop = transport.on('stop', ({ reason }) => void finish(endReason ?? reason));
  if (transport.info) queueMicrotask(() => start(transport.info as CallInfo));

  return {
    control: context.control,
    on: (event, listener) => events.on(event, listener),
    handleCarrierEvent(event) {
      if (finished) return;
      if (event.type === 'ended') {
        void finish(endReason ?? event.reason);
        return;
      }
      if (event.type !== 'machineDetection' || !gate) return;
      if (started) gate.handle(event);
      else early.push(event);
    },
    end,
    ended,
  };
}
