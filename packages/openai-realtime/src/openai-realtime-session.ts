import type {
  AudioFormat,
  EngineEvent,
  EngineSession,
  Logger,
} from '@patter/core';
import {
  AsyncQueue,
  closeWebSocket,
  durationMs,
  sameFormat,
  type WebSocket,
} from '@patter/core/plugin';
import { RealtimeAudioBatcher } from './realtime-audio-batcher.js';
import { fromWireFormat } from './realtime-audio-format.js';
import { closedError, realtimeError } from './realtime-error.js';

/** Server event fields this session reads (GA names, with the beta aliases). */
interface ServerEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

const AUDIO_DELTA = new Set(['response.output_audio.delta', 'response.audio.delta']);
const TRANSCRIPT_DELTA = new Set(['response.output_audio_transcript.delta', 'response.audio_transcript.delta']);
const TRANSCRIPT_DONE = new Set(['response.output_audio_transcript.done', 'response.audio_transcript.done']);

/** Instruction wrapper that makes the model speak a text word for word. */
export function verbatimInstructions(text: string): string {
  return `Say exactly the following, word for word, and nothing else: ${JSON.stringify(text)}`;
}

/**
 * One call's live Realtime session over a WebSocket that has already been configured. Parses
 * GA server events (accepting beta names as aliases) into `EngineEvent`s, tracks the assistant
 * item being spoken so an interruption truncates it to what the caller heard, and assembles
 * function calls.
 */
export class OpenAIRealtimeSession implements EngineSession {
  /** The server's session id (`sess_…`), once `session.created` / `session.updated` named it. */
  vendorId: string | undefined;
  private readonly queue = new AsyncQueue<EngineEvent>(4096);
  private input: AudioFormat;
  private output: AudioFormat;
  private currentResponseId: string | undefined;
  /** Between `response.created` and its `response.done`. */
  private responseActive = false;
  private currentItemId: string | undefined;
  private generatedMs = 0;
  private readonly cancelled = new Set<string>();
  private readonly functionNames = new Map<string, string>();
  private closedLocally = false;
  private closing: Promise<void> | undefined;
  /** The caller's audio, sent in `inputChunkMs` appends. */
  private readonly appends: RealtimeAudioBatcher;

  constructor(
    private readonly ws: WebSocket,
    formats: { readonly input: AudioFormat; readonly output: AudioFormat },
    private readonly logger: Logger,
    inputChunkMs = 100,
  ) {
    this.input = formats.input;
    this.output = formats.output;
    this.appends = new RealtimeAudioBatcher(formats.input, inputChunkMs, (base64) => {
      if (this.ws.readyState === 1) this.ws.send('{"type":"input_audio_buffer.append","audio":"' + base64 + '"}');
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onMessage(String(data));
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err) => this.logger.warn({ err }, 'openai realtime socket error'));
  }

  get inputFormat(): AudioFormat {
    return this.input;
  }

  get outputFormat(): AudioFormat {
    return this.output;
  }

  /** Apply the formats the server says it agreed (`session.updated`). */
  applyServerSession(session: unknown): void {
    const s = session as Record<string, any> | undefined;
    const input = fromWireFormat(s?.audio?.input?.format ?? s?.input_audio_format);
    const output = fromWireFormat(s?.audio?.output?.format ?? s?.output_audio_format);
    const next = { input: input ?? this.input, output: output ?? this.output };
    if (sameFormat(next.input, this.input) && sameFormat(next.output, this.output)) return;
    this.logger.info({ input: next.input, output: next.output }, 'openai realtime server agreed different audio formats');
    this.input = next.input;
    this.output = next.output;
    this.appends.setFormat(next.input);
    this.queue.push({ type: 'formats', input: next.input, output: next.output });
  }

  sendAudio(audio: Uint8Array): void {
    if (this.ws.readyState !== 1) return;
    this.appends.push(audio);
  }

  events(): AsyncIterable<EngineEvent> {
    return this.queue;
  }

  sendToolResult(callId: string, output: string): void {
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } });
    this.send({ type: 'response.create' });
  }

  interrupt(playedMs: number): void {
    const itemId = this.currentItemId;
    if (this.responseActive && this.currentResponseId) this.cancelled.add(this.currentResponseId);
    this.send({ type: 'response.cancel' });
    if (itemId !== undefined) {
      const audioEndMs = Math.max(0, Math.min(Math.floor(playedMs), Math.floor(this.generatedMs)));
      if (audioEndMs > 0) {
        this.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
      } else {
        // The API rejects truncating an item of which nothing was played: drop it instead.
        this.send({ type: 'conversation.item.delete', item_id: itemId });
      }
    }
    this.currentItemId = undefined;
    this.generatedMs = 0;
  }

  say(text: string): void {
    this.send({ type: 'response.create', response: { instructions: verbatimInstructions(text) } });
  }

  /** Closes with 1000 and waits (bounded) for the vendor's close; every caller waits for the same close. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closedLocally = true;
      this.appends.flush();
      this.appends.stop();
      this.queue.end();
      await closeWebSocket(this.ws, 1000, 'call ended');
    })();
    return this.closing;
  }

  private send(event: Record<string, unknown>): void {
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify(event));
  }

  private onMessage(text: string): void {
    let event: ServerEvent;
    try {
      event = JSON.parse(text) as ServerEvent;
    } catch {
      this.logger.warn({ bytes: text.length }, 'openai realtime sent malformed JSON; dropped');
      return;
    }
    if (typeof event?.type !== 'string') {
      this.logger.warn({}, 'openai realtime sent an event without a type; dropped');
      return;
    }
    this.dispatch(event);
  }

  private dispatch(event: ServerEvent): void {
    const type = event.type;
    if (AUDIO_DELTA.has(type)) return this.onAudioDelta(event);
    if (TRANSCRIPT_DELTA.has(type)) {
      if (this.isCancelled(event)) return;
      return this.push({ type: 'transcript', role: 'assistant', text: String(event.delta ?? ''), isFinal: false });
    }
    if (TRANSCRIPT_DONE.has(type)) {
      return this.push({ type: 'transcript', role: 'assistant', text: String(event.transcript ?? ''), isFinal: true });
    }
    switch (type) {
      case 'session.updated':
        return this.applyServerSession(event.session);
      case 'input_audio_buffer.speech_started':
        // The server cancels the response in progress itself (`interrupt_response: true`): drop
        // its audio from this very event on, even deltas parsed in the same socket read, before
        // the bridge has run (they would reach the carrier after its clear).
        if (this.responseActive && this.currentResponseId !== undefined) this.cancelled.add(this.currentResponseId);
        return this.push({ type: 'speechStarted' });
      case 'input_audio_buffer.speech_stopped':
        return this.push({ type: 'speechStopped' });
      case 'conversation.item.input_audio_transcription.completed':
        return this.push({ type: 'transcript', role: 'user', text: String(event.transcript ?? ''), isFinal: true });
      case 'response.created':
        this.currentResponseId = (event.response as { id?: string } | undefined)?.id;
        this.responseActive = true;
        this.currentItemId = undefined;
        this.generatedMs = 0;
        return;
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = event.item as { type?: string; call_id?: string; name?: string } | undefined;
        if (item?.type === 'function_call' && item.call_id && item.name) this.functionNames.set(item.call_id, item.name);
        return;
      }
      case 'response.function_call_arguments.done':
        return this.onFunctionCall(event);
      case 'response.done':
        return this.onResponseDone(event);
      case 'error': {
        const { error, fatal } = realtimeError(event.error as Parameters<typeof realtimeError>[0]);
        const code = (event.error as { code?: string } | undefined)?.code;
        if (code === 'response_cancel_not_active') return;
        this.logger.warn({ err: error, code, fatal }, 'openai realtime error event');
        return this.push({ type: 'error', error, fatal });
      }
      default:
        return;
    }
  }

  private onAudioDelta(event: ServerEvent): void {
    if (this.isCancelled(event)) return;
    const delta = event.delta;
    if (typeof delta !== 'string') return;
    const bytes = Buffer.from(delta, 'base64');
    this.currentItemId = typeof event.item_id === 'string' ? event.item_id : this.currentItemId;
    this.generatedMs += durationMs(this.output, bytes.byteLength);
    this.push({ type: 'audio', data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  }

  private onFunctionCall(event: ServerEvent): void {
    const callId = String(event.call_id ?? '');
    const name = typeof event.name === 'string' ? event.name : this.functionNames.get(callId);
    if (!callId || !name) {
      this.logger.warn({ callId }, 'openai realtime function call without a name; dropped');
      return;
    }
    this.push({ type: 'toolCall', call: { id: callId, name, arguments: String(event.arguments ?? '{}') } });
  }

  private onResponseDone(event: ServerEvent): void {
    const response = event.response as
      | { id?: string; status?: string; status_details?: { error?: { code?: string; message?: string } }; usage?: Record<string, any> }
      | undefined;
    if (response?.id) this.cancelled.delete(response.id);
    if (response?.id === undefined || response.id === this.currentResponseId) this.responseActive = false;
    if (response?.status === 'failed') {
      const { error } = realtimeError({ ...response.status_details?.error });
      this.logger.warn({ err: error }, 'openai realtime response failed');
      this.push({ type: 'error', error, fatal: false });
    }
    const usage = response?.usage;
    this.push({
      type: 'responseDone',
      ...(usage
        ? {
            usage: {
              inputTokens: Number(usage.input_tokens ?? 0),
              outputTokens: Number(usage.output_tokens ?? 0),
              inputAudioTokens: Number(usage.input_token_details?.audio_tokens ?? 0),
              outputAudioTokens: Number(usage.output_token_details?.audio_tokens ?? 0),
            },
          }
        : {}),
    });
  }

  private isCancelled(event: ServerEvent): boolean {
    return typeof event.response_id === 'string' && this.cancelled.has(event.response_id);
  }

  private push(event: EngineEvent): void {
    if (!this.closedLocally) this.queue.push(event);
  }

  private onClose(code: number, reason: string): void {
    this.appends.stop();
    if (this.closedLocally) return;
    const error = closedError(code, reason);
    this.logger.warn({ code, reason }, 'openai realtime socket closed by the server');
    this.queue.push({ type: 'error', error, fatal: true });
    this.closedLocally = true;
    this.queue.end();
  }
}
