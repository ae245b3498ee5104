import type { CallTransport } from '../../carrier/call-transport.js';
import type { Engine, EngineConnectOptions, EngineEvent, EngineSession } from '../../engine/engine.js';
import type { ProviderError } from '../../errors/provider-error.js';
import type { ToolCallRequest } from '../../llm/chat-message.js';
import { createFrameConverter, type FrameConverter } from '../pipeline/audio-path.js';
import { agentAudio } from '../../audio/frame-slab.js';
import { createHoldAudio } from '../speech/create-hold-audio.js';
import { engineHistory } from './engine-history.js';
import type { HoldAudioPlayer } from '../speech/hold-audio-player.js';
import { reconnectEngine } from './reconnect-engine.js';
import type { SessionContext } from '../session-context.js';
import type { SessionMode } from '../session-mode.js';
import { substituteVariables } from '../substitute-variables.js';
import { EngineReply, REPLY_WAIT_MS } from './engine-reply.js';
import { EngineTurns } from './engine-turns.js';
import { reportProvider } from '../../telemetry/provider-signals.js';

/** Caller audio held while the engine connects (frames; 50 = 1 s at 20 ms). */
const MAX_EARLY_FRAMES = 50;

/**
 * Engine mode (speech-to-speech): the carrier's audio goes to the engine and the engine's
 * audio to the carrier, converted only where the two formats differ (from the formats the
 * engine reports, which may change once its vendor confirms them). The caller speaking over
 * the agent clears the carrier in the same event-loop turn and tells the engine how much of
 * its reply was actually heard (from the carrier's playback marks). Tool calls run through the
 * call's tool runner (local, webhook and the built-in `transfer_call` / `end_call`).
 */
export class EngineBridge implements SessionMode {
  private session: EngineSession | undefined;
  private connecting: Promise<EngineSession | undefined> | undefined;
  private toEngine: FrameConverter | undefined;
  private toCarrier: FrameConverter | undefined;
  private readonly early: Uint8Array[] = [];
  private offAudio: (() => void) | undefined;
  /** The reply under way and what the caller heard of it. */
  private readonly reply: EngineReply;
  private closed = false;
  /** Set once the connect options are built; a `say` before that becomes the engine's `firstMessage`. */
  private connectStarted = false;
  private firstMessage: string | undefined;

  private readonly turns: EngineTurns;
  /** A sound while a tool runs long, until the engine's reply audio arrives (agent `holdAudio`). */
  private readonly hold: HoldAudioPlayer | undefined;

  constructor(
    private readonly context: SessionContext,
    private readonly transport: CallTransport,
  ) {
    this.turns = new EngineTurns(context, transport);
    this.reply = new EngineReply(transport, context.conversation);
    this.hold = createHoldAudio(
      context,
      { format: transport.format, send: (audio) => transport.sendAudio(audio), pendingMs: () => transport.pendingMs() },
      () => !this.reply.generating && transport.pendingMs() === 0,
    );
  }

  listen(): void {
    if (this.offAudio) return;
    this.offAudio = this.transport.on('audio', (frame) => this.onCallerAudio(frame));
    void this.connect();
  }

  async say(text: string): Promise<void> {
    if (!this.connectStarted && this.firstMessage === undefined) {
      // The greeting (said right after `listen`, before the engine is connected): the engine speaks
      // it as its first message (ElevenLabs can only take it in its conversation initiation).
      this.firstMessage = text;
      const done = this.reply.nextDone();
      const session = await this.connect();
      if (session && !this.closed) await done;
      return;
    }
    const session = await this.connect();
    if (!session || this.closed) return;
    const done = this.reply.nextDone();
    session.say(text);
    await done;
  }

  /**
   * Resolves once the reply under way has been generated and the carrier has played it all
   * (a goodbye before `end_call`, the words before `transfer_call`), bounded by `REPLY_WAIT_MS`.
   */
  async waitForPlayback(): Promise<void> {
    const deadline = performance.now() + REPLY_WAIT_MS;
    do {
      if (this.reply.generating) await this.reply.nextDone(deadline - performance.now());
      await this.transport.drained();
    } while (this.reply.generating && !this.closed && performance.now() < deadline);
    if (this.reply.generating && !this.closed) {
      this.context.logger.warn({ callId: this.context.callId() }, 'engine reply still under way after the playback wait; going on');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.reply.close();
    this.closed = true;
    this.turns.close();
    this.hold?.close();
    this.offAudio?.();
    this.early.length = 0;
    await this.session?.close().catch((err: unknown) => this.context.logger.warn({ err }, 'engine close failed'));
  }

  private connect(): Promise<EngineSession | undefined> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<EngineSession | undefined> {
    const { agent, logger } = this.context;
    const engine = agent.engine;
    if (!engine) return undefined;
    // Let a `say` in the same turn as `listen` (the greeting) join the connect options.
    await Promise.resolve();
    this.connectStarted = true;
    try {
      const session = await engine.connect({
        ...this.connectOptions(),
        ...(this.firstMessage !== undefined ? { firstMessage: this.firstMessage } : {}),
      });
      if (this.closed) {
        await session.close();
        return undefined;
      }
      this.attach(session);
      return session;
    } catch (err) {
      if (this.closed || this.context.signal.aborted) return undefined;
      logger.error({ err, callId: this.context.callId(), engine: engine.key }, 'engine connection failed; ending the call');
      void this.context.control.hangup({ immediate: true, reason: 'error', error: err });
      return undefined;
    }
  }

  private connectOptions(): EngineConnectOptions {
    const { agent, logger } = this.context;
    return {
      instructions: substituteVariables(agent.systemPrompt ?? '', this.context.variables),
      tools: this.context.tools.specs,
      carrierFormat: this.transport.format,
      variables: this.context.variables,
      signal: this.context.signal,
      logger,
      callId: this.context.callId(),
    };
  }

  private attach(session: EngineSession): void {
    this.session = session;
    const engine = this.context.agent.engine;
    if (session.vendorId !== undefined && engine) {
      this.context.events.emit('vendorRequest', { kind: 'engine', provider: engine.key, requestId: session.vendorId });
    }
    this.useFormats(session.inputFormat, session.outputFormat);
    for (const frame of this.early.splice(0)) this.sendToEngine(session, frame);
    void this.pump(session);
  }

  /**
   * A resumable engine's session dropped for a retryable reason: connect again with the
   * conversation so far (the reply still playing included) instead of ending the call. Caller
   * audio is held meanwhile (up to `MAX_EARLY_FRAMES`); nothing more of the dropped reply comes.
   */
  private async resume(dropped: EngineSession, cause: ProviderError): Promise<boolean> {
    const { logger } = this.context;
    const engine = this.context.agent.engine as Engine;
    logger.warn({ err: cause, callId: this.context.callId(), engine: engine.key }, 'engine session dropped; reconnecting with the conversation so far');
    if (this.session === dropped) this.session = undefined;
    this.reply.onDone();
    void dropped.close().catch(() => {});
    const history = engineHistory(this.context.conversation.history.turns);
    if (this.reply.heldText !== undefined) history.push({ role: 'assistant', text: this.reply.heldText });
    try {
      const session = await reconnectEngine(engine, { ...this.connectOptions(), history }, this.context.signal);
      if (this.closed) {
        await session.close();
        return true;
      }
      this.attach(session);
      logger.info({ callId: this.context.callId(), engine: engine.key }, 'engine session resumed');
      return true;
    } catch (err) {
      if (this.closed || this.context.signal.aborted) return true;
      logger.error({ err, callId: this.context.callId(), engine: engine.key }, 'engine reconnection failed; ending the call');
      return false;
    }
  }

  private useFormats(input: EngineSession['inputFormat'], output: EngineSession['outputFormat']): void {
    this.toEngine = createFrameConverter(this.transport.format, input);
    this.toCarrier = createFrameConverter(output, this.transport.format, agentAudio);
  }

  private onCallerAudio(frame: Uint8Array): void {
    const session = this.session;
    if (session) this.sendToEngine(session, frame);
    else if (this.early.length < MAX_EARLY_FRAMES) this.early.push(frame);
  }

  private sendToEngine(session: EngineSession, frame: Uint8Array): void {
    session.sendAudio(this.toEngine ? this.toEngine(frame) : frame);
  }

  private async pump(session: EngineSession): Promise<void> {
    const { logger } = this.context;
    let dropped: ProviderError | undefined;
    try {
      for await (const event of session.events()) {
        if (this.closed) return;
        // A drop a resumable engine can recover from: reconnect once its events have ended.
        if (event.type === 'error' && event.fatal && event.error.retryable && this.context.agent.engine?.resumable) dropped = event.error;
        else this.handle(session, event);
      }
    } catch (err) {
      logger.error({ err, callId: this.context.callId() }, 'engine event stream failed');
    }
    if (dropped && !this.closed && !this.context.control.ended && (await this.resume(session, dropped))) return;
    if (!this.closed && !this.context.control.ended) {
      logger.warn({ callId: this.context.callId() }, 'engine session ended before the call; ending the call');
      void this.context.control.hangup({ immediate: true, reason: 'error' });
    }
  }

  private handle(session: EngineSession, event: EngineEvent): void {
    const { context, transport } = this;
    switch (event.type) {
      case 'audio': {
        this.hold?.speechStarted();
        this.reply.onAudio();
        this.turns.send(this.toCarrier ? this.toCarrier(event.data) : event.data);
        return;
      }
      case 'formats':
        this.useFormats(event.input, event.output);
        return;
      case 'speechStarted':
        this.onCallerSpeech(session);
        return;
      case 'speechStopped':
        this.turns.onCallerTurnEnd('speech');
        return;
      case 'interruption':
        // The vendor's own barge-in (ElevenLabs): cut the reply to what the carrier played.
        this.cutReply();
        return;
      case 'transcript':
        if (!event.isFinal) {
          context.events.emit('transcript', { role: event.role, text: event.text, isFinal: false });
          return;
        }
        if (event.text.trim() === '') return;
        if (event.role === 'assistant') return this.reply.onText(event.text);
        this.turns.onCallerTurnEnd('transcript');
        context.conversation.addUser(event.text);
        return;
      case 'transcriptCorrection':
        this.reply.onCorrection(event.original, event.corrected);
        return;
      case 'toolCall':
        void this.runTool(session, event.call);
        return;
      case 'responseDone': {
        const key = context.agent.engine?.key ?? 'engine';
        if (event.usage) {
          // Token totals include the audio tokens, which are priced apart: record the text part alone.
          const inputAudio = event.usage.inputAudioTokens ?? 0;
          const outputAudio = event.usage.outputAudioTokens ?? 0;
          context.usage.add(key, 'inputTokens', event.usage.inputTokens - inputAudio);
          context.usage.add(key, 'outputTokens', event.usage.outputTokens - outputAudio);
          context.usage.add(key, 'inputAudioTokens', inputAudio);
          context.usage.add(key, 'outputAudioTokens', outputAudio);
        }
        this.reply.onDone();
        return;
      }
      case 'error':
        context.logger.warn({ err: event.error, fatal: event.fatal, callId: context.callId() }, 'engine reported an error');
        reportProvider('error', event.error, context.agent.engine?.key);
        if (event.fatal) void context.control.hangup({ immediate: true, reason: 'error', error: event.error });
        return;
    }
  }

  /** Barge-in: clear the carrier now, then tell the engine how much of its reply was heard. */
  private onCallerSpeech(session: EngineSession): void {
    const { agent } = this.context;
    const speaking = this.reply.audible || (this.transport.pendingMs() > 0 && this.hold?.playing !== true);
    if (!speaking || agent.allowInterruptions === false) return;
    const heardMs = this.reply.heardMs();
    this.cutReply(() => session.interrupt(heardMs));
  }

  /** Clears the carrier and keeps, of the reply's text, the share the caller heard. */
  private cutReply(afterClear?: () => void): void {
    const share = this.reply.heardShare();
    this.hold?.reset(false);
    this.transport.clear();
    afterClear?.();
    this.turns.onCut(share);
    this.reply.cut(share);
  }

  private async runTool(session: EngineSession, call: ToolCallRequest): Promise<void> {
    const { context } = this;
    let outcome: Awaited<ReturnType<typeof context.tools.run>>;
    this.hold?.toolStarted();
    try {
      outcome = await context.tools.run(call, context.toolContext(context.signal));
    } catch (err) {
      this.hold?.toolFinished();
      // Only an abort gets here (the call ended while the tool ran, e.g. it transferred the call).
      if (!context.signal.aborted) context.logger.warn({ err, tool: call.name }, 'engine tool call failed');
      return;
    }
    this.hold?.toolFinished();
    context.events.emit('toolCall', {
      name: outcome.name,
      arguments: outcome.arguments,
      ...(outcome.error === undefined ? { result: outcome.result } : { error: outcome.error }),
      ...(outcome.durationMs === undefined ? {} : { durationMs: outcome.durationMs }),
    });
    if (!this.closed && !context.control.ended) session.sendToolResult(call.id, outcome.content);
  }
}
