import type { CallControl } from '../call/call-control.js';
import type { CallEndReason, CallInfo, CallTransport } from '../carrier/call-transport.js';
import type { CarrierCallEvent } from '../carrier/carrier.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { Logger } from '../log/logger.js';
import { observeCall } from '../telemetry/observe-call.js';
import { AnsweringMachineGate } from './answering-machine-gate.js';
import type { CallEndSummary, CallSession, CallSessionEvents, CallSessionOptions } from './call-session.js';
import { createCallControl } from './call-control.js';
import { describeCallFailure, type CallFailure } from './call-failure.js';
import { EngineBridge } from './engine/engine-bridge.js';
import { PipelineSession } from './pipeline/pipeline-session.js';
import { awaitPrepared, type PreparedCall } from './prepared-call.js';
import { SessionCore } from './session-core.js';
import type { SessionMode } from './session-mode.js';
import { TextMode } from './text/text-mode.js';
import { withDefaultPricing } from './usage/pricing.js';

const DEFAULT_MAX_CALL_MS = 60 * 60 * 1000;

/**
 * One call in progress (see `createCallSession`): the transport's lifecycle (start, stop,
 * carrier events), the mode that converses (pipeline, engine or text), the greeting or
 * voicemail, the call's time limit, and the one end that reports the summary.
 */
export class LiveCall implements CallSession {
  readonly control: CallControl;
  readonly ended: Promise<CallEndSummary>;
  private readonly core: SessionCore;
  private readonly mode: SessionMode;
  private readonly transport: CallTransport;
  private readonly logger: Logger;
  private readonly gate: AnsweringMachineGate | undefined;
  private readonly firstMessage: string | undefined;
  private readonly voicemailMessage: string | undefined;
  private resolveEnded: (summary: CallEndSummary) => void = () => {};
  private info: CallInfo | undefined;
  private started = false;
  private finished = false;
  private endReason: CallEndReason | undefined;
  private failure: CallFailure | undefined;
  private startedAt = Date.now();
  /** Carrier events (AMD) that came before the stream's `start`. */
  private readonly early: CarrierCallEvent[] = [];
  private maxTimer: NodeJS.Timeout | undefined;
  /**
   * The prepared call once settled: the stream's `start` comes several socket reads after the
   * webhook, so a preparation already done is known by then. A parked STT connection goes to the
   * pipeline's STT stream; one nobody adopts (engine mode, prepared too late, call over) is closed.
   */
  private preparedNow: PreparedCall | undefined;
  private listened = false;
  private readonly offs: (() => void)[];

  constructor(private readonly options: CallSessionOptions) {
    const { agent, transport, overrides = {} } = options;
    this.transport = transport;
    this.info = transport.info;
    this.ended = new Promise<CallEndSummary>((resolve) => (this.resolveEnded = resolve));
    this.core = new SessionCore({
      agent,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(overrides.variables ? { variables: overrides.variables } : {}),
      callId: () => this.info?.callId ?? '',
      control: (c) =>
        createCallControl(
          {
            carrier: transport.carrier,
            info: () => this.info,
            ended: () => this.finished || this.endReason !== undefined,
            logger: c.context.logger,
            transfer: (to) => transport.transfer(to),
            sendDtmf: (digits) => transport.sendDtmf(digits),
            say: (text) => this.mode.say(text),
            waitForPlayback: () => this.mode.waitForPlayback(),
            end: (reason, error) => this.end(reason, error),
            onAction: (action, startedAt, error) =>
              c.events.emit('callAction', { action, startedAt, ...(error === undefined ? {} : { error }) }),
          },
          agent.transferAllowlist,
        ),
    });
    const { context } = this.core;
    this.control = context.control;
    this.logger = context.logger;
    const textMode = !agent.engine && !agent.stt && !agent.tts && options.text !== undefined;
    observeCall(this.core.events, { agent, carrier: transport.carrier, textMode });
    this.firstMessage = this.core.substitute(overrides.firstMessage ?? agent.firstMessage);
    this.voicemailMessage = this.core.substitute(overrides.voicemailMessage ?? agent.voicemailMessage);
    this.mode = agent.engine
      ? new EngineBridge(context, transport)
      : textMode && options.text
        ? new TextMode(context, transport, options.text)
        : new PipelineSession(context, transport);
    this.gate = overrides.machineDetection
      ? new AnsweringMachineGate({
          onHuman: () => this.converse(),
          onVoicemail: () => void this.leaveVoicemail(),
          onFax: () => void this.end('machine'),
        })
      : undefined;
    void options.prepared?.then(
      (prepared) => {
        this.preparedNow = prepared;
        if (this.listened || this.finished) prepared?.stt?.close();
      },
      () => {},
    );
    this.offs = [
      transport.on('start', (info) => this.start(info)),
      transport.on('stop', ({ reason }) => void this.finish(this.endReason ?? reason)),
    ];
    if (transport.info) queueMicrotask(() => this.start(transport.info as CallInfo));
  }

  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void {
    return this.core.events.on(event, listener);
  }

  history(): readonly ChatMessage[] {
    return this.core.conversation.messages();
  }

  handleCarrierEvent(event: CarrierCallEvent): void {
    if (this.finished) return;
    if (event.type === 'ended') {
      void this.finish(this.endReason ?? event.reason);
      return;
    }
    if (event.type !== 'machineDetection' || !this.gate) return;
    if (this.started) this.gate.handle(event);
    else this.early.push(event);
  }

  /** Hangs up with `reason` (`error`: why the call failed) and resolves once the summary is out. Idempotent. */
  async end(reason: CallEndReason, error?: unknown): Promise<void> {
    if (this.finished || this.endReason !== undefined) return this.ended.then(() => undefined);
    this.endReason = reason;
    if (error !== undefined) this.failure = describeCallFailure(error);
    try {
      await this.transport.hangup();
    } catch (err) {
      this.logger.warn({ err, callId: this.info?.callId }, 'hangup failed');
    }
    this.transport.close(reason, this.failure);
    await this.finish(reason);
  }

  private start(callInfo: CallInfo): void {
    if (this.started || this.finished) return;
    this.started = true;
    this.info = callInfo;
    this.startedAt = Date.now();
    this.logger.info({ callId: callInfo.callId, carrier: callInfo.carrier, direction: callInfo.direction }, 'call started');
    this.core.events.emit('callStart', callInfo);
    this.maxTimer = setTimeout(() => void this.end('timeout'), this.options.agent.maxCallDurationMs ?? DEFAULT_MAX_CALL_MS);
    this.maxTimer.unref();
    if (this.gate) {
      this.gate.start();
      for (const event of this.early.splice(0)) this.gate.handle(event);
    } else {
      this.converse();
    }
  }

  private converse(): void {
    if (this.finished) return;
    const prepared = this.preparedNow;
    try {
      this.listened = true;
      const parked = this.options.agent.engine ? undefined : prepared?.stt;
      if (prepared?.stt && !parked) prepared.stt.close();
      this.mode.listen(parked);
    } catch (err) {
      this.logger.error({ err, callId: this.info?.callId }, 'could not start the conversation, ending the call');
      void this.end('error', err);
      return;
    }
    if (this.firstMessage) void this.sayFirstMessage(this.firstMessage);
  }

  /** The greeting, from the audio prepared while the call rang when there is some. */
  private async sayFirstMessage(text: string): Promise<void> {
    // An engine takes its greeting in the same turn as `listen` (ElevenLabs only in its
    // conversation initiation), so it never waits for prepared audio (pipeline only).
    const { prepared } = this.options;
    const ready = prepared && !this.options.agent.engine ? await awaitPrepared(prepared, this.logger) : undefined;
    if (this.finished) return;
    await this.mode.say(text, ready?.firstMessage?.text === text ? ready.firstMessage : undefined);
  }

  private async leaveVoicemail(): Promise<void> {
    if (this.finished) return;
    if (this.voicemailMessage) {
      await this.mode.say(this.voicemailMessage);
      await this.mode.waitForPlayback();
    }
    await this.end('voicemail');
  }

  private async finish(reason: CallEndReason): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const { agent } = this.options;
    const { context } = this.core;
    if (!this.listened) this.preparedNow?.stt?.close();
    clearTimeout(this.maxTimer);
    this.gate?.close();
    for (const off of this.offs) off();
    // Close before the abort: vendor sockets then end gracefully (end-of-audio message, last
    // words into the transcript, close frame) instead of being cut by the call's signal.
    await this.mode.close().catch((err: unknown) => this.logger.warn({ err, callId: this.info?.callId }, 'session close failed'));
    this.core.controller.abort();
    const durationMs = this.started ? Date.now() - this.startedAt : 0;
    if (this.started) context.usage.set(this.transport.carrier, 'callSeconds', durationMs / 1000);
    // An engine billed by the minute of conversation prices this with `perCallMinute`.
    if (this.started && agent.engine) context.usage.set(agent.engine.key, 'callSeconds', durationMs / 1000);
    const summary: CallEndSummary = {
      callId: this.info?.callId ?? '',
      callRef: this.info?.callRef ?? '',
      reason,
      startedAt: this.startedAt,
      durationMs,
      transcript: this.core.conversation.transcript(),
      usage: context.usage.snapshot(),
      cost: context.usage.cost(withDefaultPricing(agent.pricing)),
      ...(this.failure !== undefined && { error: this.failure }),
    };
    this.logger.info({ callId: summary.callId, reason, durationMs }, 'call ended');
    this.core.events.emit('callEnd', summary);
    this.resolveEnded(summary);
  }
}
