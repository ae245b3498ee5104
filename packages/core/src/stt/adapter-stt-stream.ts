import { ProviderConnectionError, ProviderError } from '../errors/provider-error.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { closeWebSocket } from '../net/close-web-socket.js';
import { WebSocket } from '../net/connect-web-socket.js';
import { AsyncQueue } from '../util/async-queue.js';
import { delay } from '../util/abort.js';
import { backoffDelay } from '../util/retry.js';
import { CLOSE_HANDSHAKE_MS, closeSTTSocket } from './close-stt-socket.js';
import { connectSTTSocket } from './connect-stt-socket.js';
import { dispatchSTTMessage } from './dispatch-stt-message.js';
import { SignalWaiters } from './signal-waiters.js';
import { STTAudioOutbox } from './stt-audio-outbox.js';
import { STTSocketLiveness } from './stt-socket-liveness.js';
import type { STTStream, STTStreamOptions, STTUsage } from './stt-provider.js';
import type { Transcript } from './transcript.js';
import type { WebSocketSTTAdapter, WebSocketSTTContext, WebSocketSTTSignal } from './web-socket-stt-adapter.js';
import type { WebSocketSTTStream, WebSocketSTTStreamOptions } from './web-socket-stt-stream-options.js';
import { reportProvider } from '../telemetry/provider-signals.js';

const DEFAULT_INACTIVITY_MS = 15_000;

/** A connection that lived this long counts as healthy (resets the reconnect budget). */
const HEALTHY_AFTER_MS = 10_000;

interface Outcome {
  readonly error: ProviderError | undefined;
  readonly healthy: boolean;
}

/**
 * The stream `createWebSocketSTTStream` builds: the socket's lifecycle (dial, attach, reconnect
 * with backoff, the close handshake, abort) around an `STTAudioOutbox` that holds and sends the
 * audio, and the adapter that reads the vendor's messages.
 */
export class AdapterSTTStream implements WebSocketSTTStream {
  private readonly queue = new AsyncQueue<Transcript>(1000);
  /** The audio going out: replay ring, chunking, pacing, the partial-chunk tail. */
  private readonly outbox: STTAudioOutbox;
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  private readonly ctx: WebSocketSTTContext;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private ws: WebSocket | undefined;
  private socketClosed: Promise<void> = Promise.resolve();
  /** The current socket's keep-alive and inactivity watch. */
  private readonly liveness: STTSocketLiveness;
  private socketError: ProviderError | undefined;
  private readonly signals = new SignalWaiters<WebSocketSTTSignal>();
  /** `open`: a socket is attached and takes audio; `drained`: paced audio caught up. */
  private readonly lifecycle = new SignalWaiters<'open' | 'drained'>();
  private runDone: Promise<void> = Promise.resolve();
  private audioBytes = 0;
  /** Transcripts emitted on the current connection. */
  private connectionEmits = 0;
  private closing: Promise<void> | undefined;
  /** `finalize()` was called while no socket could take it. */
  private finalizePending = false;
  /** `sendText` calls made while no socket was open. */
  private readonly pendingTexts: string[] = [];
  /** A finalize went out and its answer (`flushed`) has not come: re-sent after a reconnect. */
  private finalizeUnanswered = false;

  constructor(
    private readonly adapter: WebSocketSTTAdapter,
    private readonly options: WebSocketSTTStreamOptions,
  ) {
    this.logger = (options.logger ?? silentLogger).child({ provider: adapter.provider, callId: options.callId });
    this.outbox = new STTAudioOutbox({
      format: options.format,
      minChunkMs: adapter.minChunkMs,
      chunkMs: options.chunkMs ?? adapter.chunkMs ?? 0,
      maxChunkMs: adapter.maxChunkMs,
      maxBufferMs: options.maxBufferMs,
      pace: adapter.paceAudio,
      logger: this.logger,
      onSent: () => this.liveness.audioSent(),
      onPaced: () => this.paced(),
    });
    const inactivityTimeoutMs = options.inactivityTimeoutMs ?? adapter.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_MS;
    this.liveness = new STTSocketLiveness(adapter.keepAlive, inactivityTimeoutMs, this.controller.signal);
    this.ctx = {
      emit: (t) => this.emit(t),
      commit: (until) => this.outbox.commit(until),
      notify: (signal) => this.notify(signal),
      error: (err) => this.vendorError(err),
      logger: this.logger,
    };
    const signal = options.signal;
    if (signal?.aborted) this.shutdown();
    else {
      signal?.addEventListener('abort', () => this.shutdown(), { once: true });
      this.runDone = this.run(options.socket);
    }
  }

  sendAudio(audio: Uint8Array): void {
    if (this.state !== 'running' || audio.byteLength === 0) return;
    this.audioBytes += audio.byteLength;
    this.outbox.write(audio);
  }

  transcripts(): AsyncIterable<Transcript> {
    return this.queue;
  }

  finalize(): void {
    if (this.state === 'running') this.sendFinalize();
  }

  /** Finalizes now, or once the socket can take it (also while closing). */
  private sendFinalize(): void {
    const ws = this.ws;
    if (!ws || !this.outbox.attached) {
      // Not connected (yet, or reconnecting): finalize once the buffered audio went out.
      this.finalizePending = true;
      return;
    }
    this.outbox.flush(true);
    // Paced audio still waits: the finalize follows it (from `paced`).
    if (this.outbox.waiting) return void (this.finalizePending = true);
    this.finalizePending = false;
    this.finalizeUnanswered = true;
    if (this.adapter.finalizeMessage !== undefined) ws.send(this.adapter.finalizeMessage);
    this.adapter.onFinalize?.();
  }

  sendText(text: string): boolean {
    if (this.state !== 'running') return false;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
    else if (this.pendingTexts.length < 32) this.pendingTexts.push(text);
    else return false;
    return true;
  }

  close(): Promise<void> {
    this.closing ??= this.closeGracefully();
    return this.closing;
  }

  usage(): STTUsage {
    return { audioSeconds: this.audioBytes / this.outbox.bytesPerSecond };
  }

  private async closeGracefully(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    const started = Date.now();
    const closeTimeoutMs = this.options.closeTimeoutMs ?? 3000;
    if ((!this.ws || !this.outbox.attached) && (this.outbox.pending > 0 || this.finalizePending)) {
      // Still connecting (or reconnecting) with audio nobody heard yet: let it open and drain.
      await Promise.race([this.lifecycle.wait('open', closeTimeoutMs), this.runDone]);
    }
    const ws = this.ws;
    if (this.outbox.waiting) await this.lifecycle.wait('drained', closeTimeoutMs, this.runDone);
    if (ws && ws.readyState === WebSocket.OPEN && this.state === 'closing') {
      this.outbox.flush(true);
      await closeSTTSocket(ws, this.adapter, {
        timeoutMs: Math.max(100, closeTimeoutMs - (Date.now() - started)),
        socketClosed: this.socketClosed,
        audioMessagesSent: () => this.outbox.messagesSent,
        waitFor: (signal, ms) => this.waitFor(signal, ms),
        signal: this.controller.signal,
        logger: this.logger,
      });
    }
    this.shutdown();
  }

  /** A method, so TypeScript does not narrow `state` across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async run(initial: WebSocket | undefined): Promise<void> {
    const policy = this.adapter.reconnect ?? {};
    const maxAttempts = policy.maxAttempts ?? 3;
    let failures = 0;
    let lastError: ProviderError | undefined;
    while (this.state === 'running') {
      let ws: WebSocket | undefined;
      try {
        if (initial && initial.readyState === WebSocket.OPEN) ws = initial;
        else {
          const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
          ws = await connectSTTSocket(this.adapter, { timeoutMs, signal: this.controller.signal });
        }
        initial = undefined;
      } catch (err) {
        if (this.isClosed()) return;
        const error = toProviderError(this.adapter.provider, err);
        if (!error.retryable || failures >= maxAttempts) return this.fail(error);
        if (this.state !== 'running') return;
        lastError = error;
      }
      if (ws) {
        // While closing, a socket that opens late still drains the audio buffered so far.
        if (this.isClosed()) return void ws.terminate();
        const outcome = await this.attach(ws);
        if (this.state !== 'running') return;
        if (outcome.error && !outcome.error.retryable) return this.fail(outcome.error);
        if (outcome.healthy) failures = 0;
        lastError = outcome.error ?? new ProviderConnectionError(this.adapter.provider, 'socket closed');
        if (failures >= maxAttempts) return this.fail(lastError);
        this.logger.warn({ err: lastError, attempt: failures + 1 }, 'stt socket dropped; reconnecting');
        reportProvider('reconnect', lastError, this.adapter.provider);
      }
      failures++;
      const retryAfter = lastError?.retryAfter;
      lastError = undefined;
      try {
        const wait = backoffDelay(failures, { minDelayMs: policy.minDelayMs ?? 100, maxDelayMs: policy.maxDelayMs ?? 2000 }, retryAfter);
        await delay(wait, this.controller.signal);
      } catch {
        return;
      }
    }
  }

  /** Uses an open socket until it closes; resolves with why it closed. */
  private attach(ws: WebSocket): Promise<Outcome> {
    return new Promise((resolve) => {
      // Healthy = it produced a transcript or lived a while; a session greeting (AssemblyAI's
      // Begin) alone does not count, so a vendor failing every session is not retried forever.
      const openedAt = Date.now();
      this.connectionEmits = 0;
      let resolveClosed!: () => void;
      this.socketClosed = new Promise((r) => (resolveClosed = r));
      this.socketError = undefined;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (this.ws !== ws) return;
        this.liveness.heard();
        dispatchSTTMessage(this.adapter, this.ctx, this.logger, data, isBinary);
      });
      ws.on('error', (err) => {
        this.socketError ??= new ProviderConnectionError(this.adapter.provider, 'socket error', { cause: err });
      });
      ws.once('close', (code: number, reason: Buffer) => {
        if (this.ws === ws) {
          this.ws = undefined;
          this.outbox.detach();
          this.liveness.stop();
        }
        resolveClosed();
        const error =
          this.socketError ??
          (this.state === 'running' ? this.classifyClose(code, reason.toString('utf8')) : undefined);
        resolve({ error, healthy: this.connectionEmits > 0 || Date.now() - openedAt >= HEALTHY_AFTER_MS });
      });
      this.liveness.start(ws, (silentMs) => this.silent(ws, silentMs));
      for (const message of this.adapter.openMessages?.() ?? []) ws.send(message);
      for (const text of this.pendingTexts.splice(0)) ws.send(text);
      this.ws = ws;
      this.outbox.attach(this.adapter.awaitReady ? undefined : socketSend(ws));
      // A finalize the dropped socket never answered covers audio that is being replayed: repeat it.
      if (this.finalizeUnanswered) this.finalizePending = true;
      if (this.finalizePending && this.outbox.attached) this.sendFinalize();
      if (this.outbox.attached) this.lifecycle.raise('open');
    });
  }

  /** The pacer's clock allows more audio: send it; once caught up, a waiting finalize or close goes on. */
  private paced(): void {
    this.outbox.flush(this.state !== 'running');
    if (this.outbox.waiting) return;
    if (this.finalizePending && this.state !== 'closed') this.sendFinalize();
    this.lifecycle.raise('drained');
  }

  private emit(t: Transcript): void {
    if (this.state === 'closed') return;
    this.connectionEmits++;
    const offset = this.outbox.connectionStartSeconds;
    if (offset > 0 && t.words && t.words.length > 0) {
      t = { ...t, words: t.words.map((w) => ({ ...w, start: w.start + offset, end: w.end + offset })) };
    }
    this.queue.push(t);
  }

  private classifyClose(code: number, reason: string): ProviderError {
    return (
      this.adapter.classifyClose?.(code, reason) ??
      new ProviderConnectionError(this.adapter.provider, `socket closed (${code})`, { body: { code, reason } })
    );
  }

  /** The socket is open but said nothing while audio flowed: drop it; `run` reconnects and replays. */
  private silent(ws: WebSocket, silentMs: number): void {
    if (this.ws !== ws || this.state !== 'running') return;
    this.logger.warn({ provider: this.adapter.provider, silentMs }, 'stt socket silent while audio flows; reconnecting');
    this.socketError = new ProviderConnectionError(this.adapter.provider, `no message for ${silentMs} ms while audio flowed`);
    ws.terminate();
  }

  private vendorError(error: ProviderError): void {
    if (this.state === 'closed') return;
    if (!error.retryable) {
      this.fail(error);
      return;
    }
    this.socketError = error;
    this.ws?.terminate();
  }

  private notify(signal: WebSocketSTTSignal): void {
    if (signal === 'flushed') this.finalizeUnanswered = false;
    const ws = this.ws;
    if (signal === 'ready' && !this.outbox.attached && ws && this.state !== 'closed') {
      this.outbox.ready(socketSend(ws));
      if (this.finalizePending) this.sendFinalize();
      this.lifecycle.raise('open');
    }
    this.signals.raise(signal);
  }

  private waitFor(signal: WebSocketSTTSignal, timeoutMs: number): Promise<boolean> {
    return this.signals.wait(signal, timeoutMs, this.socketClosed);
  }

  private fail(error: ProviderError): void {
    if (this.state === 'closed') return;
    this.logger.error({ err: error }, 'stt stream failed');
    this.teardown();
    this.queue.fail(error);
  }

  /** Ends at once: no more events, timers, or sockets. */
  private shutdown(): void {
    if (this.state === 'closed') return;
    this.teardown();
    this.queue.end();
  }

  private teardown(): void {
    this.state = 'closed';
    this.outbox.stop();
    this.liveness.stop();
    this.controller.abort();
    const ws = this.ws;
    this.ws = undefined;
    // An open socket gets a close frame (1000), never a bare TCP reset; terminate() only after the bound.
    if (ws && ws.readyState === WebSocket.OPEN) void closeWebSocket(ws, 1000, '', CLOSE_HANDSHAKE_MS);
    else if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    this.signals.raiseAll();
    this.lifecycle.raiseAll();
  }
}

function toProviderError(provider: string, err: unknown): ProviderError {
  if (ProviderError.isProviderError(err)) return err;
  return new ProviderConnectionError(provider, 'connection failed', { cause: err });
}

/** Sends binary audio on `ws` (one function per connection, none per frame). */
function socketSend(ws: WebSocket): (audio: Uint8Array) => void {
  return (audio) => ws.send(audio);
}
