import {
  ProviderError,
  type AudioFormat,
  type EngineEvent,
  type EngineSession,
  type Logger,
} from '@patter/core';
import { AsyncQueue, closeWebSocket, type WebSocket } from '@patter/core/plugin';

export const CONVAI_KEY = 'elevenlabs_convai';

/**
 * ConvAI says when a reply starts (`agent_response`, before its audio) but never when its audio
 * is complete: a reply counts as generated once no audio has come for this long.
 */
export const REPLY_QUIET_MS = 500;

interface ServerMessage {
  readonly type?: string;
  readonly [field: string]: any;
}

/**
 * One call's ElevenLabs Conversational AI session on an open socket: audio both ways in the
 * formats the agent announced, ping → pong, transcripts of both sides, the agent's own
 * barge-in (`interruption` → the bridge clears the carrier; audio of the interrupted reply is
 * dropped) and client tool calls. The vendor marks no reply's end, so `responseDone` is reported
 * once a reply's audio has stopped coming for `REPLY_QUIET_MS` (one timer per call, re-armed
 * from a timestamp, never per chunk).
 */
export class ConvAISession implements EngineSession {
  /** The conversation's id (`conversation_initiation_metadata`), when ElevenLabs sent one. */
  vendorId: string | undefined;
  private readonly queue = new AsyncQueue<EngineEvent>(4096);
  private interruptedAt = -1;
  private closedLocally = false;
  private closing: Promise<void> | undefined;
  /** `performance.now()` of the reply's latest audio (or of its `agent_response`). */
  private replyActivityAt = 0;
  private replyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly inputFormat: AudioFormat,
    readonly outputFormat: AudioFormat,
    private readonly logger: Logger,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(String(data));
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    ws.on('error', (err) => this.logger.warn({ err }, 'elevenlabs convai socket error'));
  }

  /** Messages that arrived after the initiation metadata but before this session listened, in order. */
  replay(messages: readonly string[]): void {
    for (const text of messages) this.onMessage(text);
  }

  sendAudio(audio: Uint8Array): void {
    if (this.ws.readyState !== 1) return;
    const base64 = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
    this.ws.send('{"user_audio_chunk":"' + base64 + '"}');
  }

  events(): AsyncIterable<EngineEvent> {
    return this.queue;
  }

  sendToolResult(callId: string, output: string): void {
    this.send({ type: 'client_tool_result', tool_call_id: callId, result: output, is_error: isErrorResult(output) });
  }

  /** ElevenLabs detects barge-in itself (and says so with `interruption`); nothing to send. */
  interrupt(): void {}

  /** The agent speaks only through its own turns: `say` is passed as a non-interrupting context update. */
  say(text: string): void {
    this.logger.warn({}, 'elevenlabs convai cannot speak a text verbatim; sending it as a contextual update');
    this.send({ type: 'contextual_update', text });
  }

  /** Closes with 1000 and waits (bounded) for the vendor's close; every caller waits for the same close. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closedLocally = true;
      this.endReply();
      this.queue.end();
      await closeWebSocket(this.ws, 1000, 'call ended');
    })();
    return this.closing;
  }

  private send(message: Record<string, unknown>): void {
    if (this.ws.readyState === 1) this.ws.send(JSON.stringify(message));
  }

  private push(event: EngineEvent): void {
    if (!this.closedLocally) this.queue.push(event);
  }

  private onMessage(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      this.logger.warn({ bytes: text.length }, 'elevenlabs convai sent malformed JSON; dropped');
      return;
    }
    switch (message.type) {
      case 'audio': {
        const event = message.audio_event ?? {};
        if (typeof event.audio_base_64 !== 'string') return;
        // Audio of a reply the caller interrupted: older than the interruption (the vendor
        // clients play a chunk only when `lastInterruptTimestamp <= event_id`).
        if (typeof event.event_id === 'number' && event.event_id < this.interruptedAt) return;
        const bytes = Buffer.from(event.audio_base_64, 'base64');
        this.replyActive();
        this.push({ type: 'audio', data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
        return;
      }
      case 'ping':
        this.send({ type: 'pong', event_id: message.ping_event?.event_id });
        return;
      case 'interruption': {
        const id = message.interruption_event?.event_id;
        if (typeof id === 'number' && Number.isFinite(id)) this.interruptedAt = Math.max(this.interruptedAt, id);
        this.endReply();
        this.push({ type: 'interruption' });
        return;
      }
      case 'user_transcript':
        this.push({ type: 'transcript', role: 'user', text: String(message.user_transcription_event?.user_transcript ?? ''), isFinal: true });
        return;
      case 'agent_response':
        // The reply's text, sent before its audio: the reply is done once its audio stops.
        this.push({ type: 'transcript', role: 'assistant', text: String(message.agent_response_event?.agent_response ?? ''), isFinal: true });
        this.replyActive();
        return;
      case 'agent_response_correction': {
        // After an interruption: the reply's text cut to what the caller heard.
        const correction = message.agent_response_correction_event;
        if (typeof correction?.original_agent_response === 'string' && typeof correction.corrected_agent_response === 'string') {
          this.push({ type: 'transcriptCorrection', original: correction.original_agent_response, corrected: correction.corrected_agent_response });
        }
        return;
      }
      case 'client_tool_call': {
        const call = message.client_tool_call ?? {};
        if (typeof call.tool_call_id !== 'string' || typeof call.tool_name !== 'string') {
          this.logger.warn({}, 'elevenlabs convai tool call without id or name; dropped');
          return;
        }
        this.push({
          type: 'toolCall',
          call: { id: call.tool_call_id, name: call.tool_name, arguments: JSON.stringify(call.parameters ?? {}) },
        });
        return;
      }
      case 'error': {
        const detail = message.error_event ?? {};
        const error = new ProviderError(CONVAI_KEY, `server error ${detail.error_type ?? detail.code ?? ''}: ${detail.message ?? 'unknown'}`, {
          retryable: false,
          body: detail,
        });
        this.logger.warn({ err: error }, 'elevenlabs convai error event');
        this.push({ type: 'error', error, fatal: detail.code === 1008 || detail.code === 1011 });
        return;
      }
      default:
        return;
    }
  }

  /** The reply under way is still producing: `responseDone` waits for `REPLY_QUIET_MS` of quiet. */
  private replyActive(): void {
    this.replyActivityAt = performance.now();
    if (this.replyTimer === undefined && !this.closedLocally) this.armReplyTimer(REPLY_QUIET_MS);
  }

  private armReplyTimer(ms: number): void {
    this.replyTimer = setTimeout(() => {
      const quietFor = performance.now() - this.replyActivityAt;
      if (quietFor < REPLY_QUIET_MS) return this.armReplyTimer(REPLY_QUIET_MS - quietFor);
      this.replyTimer = undefined;
      this.push({ type: 'responseDone' });
    }, ms);
    this.replyTimer.unref();
  }

  private endReply(): void {
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
  }

  private onClose(code: number, reason: string): void {
    this.endReply();
    if (this.closedLocally) return;
    this.closedLocally = true;
    if (code !== 1000) {
      const error = new ProviderError(CONVAI_KEY, `connection closed (close ${code}${reason ? `: ${reason}` : ''})`, { retryable: code !== 1008 });
      this.logger.warn({ code, reason }, 'elevenlabs convai socket closed by the server');
      this.queue.push({ type: 'error', error, fatal: true });
    }
    this.queue.end();
  }
}

function isErrorResult(output: string): boolean {
  try {
    const parsed = JSON.parse(output) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed;
  } catch {
    return false;
  }
}
