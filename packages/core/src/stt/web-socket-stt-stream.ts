import { bytesForDuration, bytesPerSample } from '../audio/audio-format.js';
import { ProviderConnectionError, ProviderError } from '../errors/provider-error.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { closeAfterPeer, closeWebSocket } from '../net/close-web-socket.js';
import { connectWebSocket, WebSocket } from '../net/connect-web-socket.js';
import { KeepAlive } from '../net/keep-alive.js';
import { AsyncQueue } from '../util/async-queue.js';
import { delay } from '../util/abort.js';
import { backoffDelay } from '../util/retry.js';
import { AudioPacer } from './audio-pacer.js';
import { AudioReplayBuffer } from './audio-replay-buffer.js';
import { InactivityWatch } from './inactivity-watch.js';
import { SignalWaiters } from './signal-waiters.js';
import { TailFlush } from './tail-flush.js';
import type { STTStream, STTStreamOptions, STTUsage } from './stt-provider.js';
import type { Transcript } from './transcript.js';
import type { WebSocketSTTAdapter, WebSocketSTTContext, WebSocketSTTSignal } from './web-socket-stt-adapter.js';
import { reportProvider } from '../telemetry/provider-signals.js';

export interface WebSocketSTTStreamOptions extends STTStreamOptions {
  /** Most audio kept for buffering and replay (since the last final result; the ring grows only as needed). Default 15 000 ms. */
  readonly maxBufferMs?: number;
  /** Handshake timeout. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** How long `close()` waits for the vendor's last results. Default 3000 ms. */
  readonly closeTimeoutMs?: number;
  /** An already-open socket (a parked connection) used instead of dialing the first time. */
  readonly socket?: WebSocket;
  /**
   * A socket that sends nothing for this long while audio flows to it is dropped with a warning
   * and reconnected (the unanswered audio is replayed). Default: the adapter's, else 15 000 ms;
   * 0 turns the check off.
   */
  readonly inactivityTimeoutMs?: number;
  /** Audio per message: frames are coalesced up to it. Default: the adapter's `chunkMs`, else each frame as it comes. */
  readonly chunkMs?: number;
}

/** After the vendor's last message, how long its close frame may take before we close (1000). */
const PEER_CLOSE_WAIT_MS = 1000;
/** How long our own close (1000) may wait for the vendor's answer before the socket is terminated. */
const CLOSE_HANDSHAKE_MS = 1000;
const DEFAULT_INACTIVITY_MS = 15_000;

/** A connection that lived this long counts as healthy (resets the reconnect budget). */
const HEALTHY_AFTER_MS = 10_000;

interface Outcome {
  readonly error: ProviderError | undefined;
  readonly healthy: boolean;
}

/**
 * Builds an `STTStream` over a vendor WebSocket from a small adapter. The machinery owns:
 * buffering audio before the socket opens (bounded), coalescing to the vendor's minimum chunk,
 * the transcript queue, keep-alives, reconnect with backoff re-sending the audio since the
 * last final result, no retry on auth/config errors, dropping malformed or unknown messages
 * with a log line, graceful close, abort, and usage. Nothing is emitted after close or abort.
 */
export function createWebSocketSTTStream(adapter: WebSocketSTTAdapter, options: WebSocketSTTStreamOptions): WebSocketSTTStream {
  return new AdapterSTTStream(adapter, options);
}

/** An `STTStream` over a vendor WebSocket, which can also send vendor control messages. */
export interface WebSocketSTTStream extends STTStream {
  /**
   * Sends a text frame (a mid-call config update) on the open socket, or right after the next
   * open when none is (at most 32 wait). False once the stream ended or the wait list is full.
   */
  sendText(text: string): boolean;
}

class AdapterSTTStream implements WebSocketSTTStream {
  private readonly queue = new AsyncQueue<Transcript>(1000);
  private readonly buffer: AudioReplayBuffer;
  private readonly controller = new AbortController();
  private readonly logger: Logger;
  private readonly bytesPerSecond: number;
  private readonly sampleBytes: number;
  private readonly minChunkBytes: number;
  /** Audio is sent once this much is waiting (the vendor's minimum, or its preferred chunk). */
  private readonly chunkBytes: number;
  private readonly maxChunkBytes: number;
  /** Sends a partial chunk that waited a whole chunk's time (when coalescing). */
  private readonly tail: TailFlush | undefined;
  private readonly ctx: WebSocketSTTContext;
  private readonly inactivityTimeoutMs: number;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private ws: WebSocket | undefined;
  private socketClosed: Promise<void> = Promise.resolve();
  private keepAlive: KeepAlive | undefined;
  private watch: InactivityWatch | undefined;
  /** Stream position up to which audio went out on the current socket. */
  private sentPos = 0;
  /** Stream position where the current connection's audio begins (vendor time 0). */
  private connStart = 0;
  private socketError: ProviderError | undefined;
  private readonly signals = new SignalWaiters<WebSocketSTTSignal>();
  /** `open`: a socket is attached and takes audio; `drained`: paced audio caught up. */
  private readonly lifecycle = new SignalWaiters<'open' | 'drained'>();
  /** Holds audio to the vendor's real-time pace (`adapter.paceAudio`). */
  private readonly pacer: AudioPacer | undefined;
  private runDone: Promise<void> = Promise.resolve();
  private audioBytes = 0;
  /** Transcripts emitted on the current connection. */
  private connectionEmits = 0;
  private closing: Promise<void> | undefined;
  private warnedOverflow = false;
  /** Audio may go out on the current socket (false until `ready` for `awaitReady` adapters). */
  private audioReady = false;
  /** Binary audio messages sent on the current socket. */
  private audioMessages = 0;
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
    const { format } = options;
    this.logger = (options.logger ?? silentLogger).child({ provider: adapter.provider, callId: options.callId });
    this.sampleBytes = bytesPerSample(format);
    this.bytesPerSecond = format.sampleRate * this.sampleBytes;
    this.minChunkBytes = adapter.minChunkMs ? bytesForDuration(format, adapter.minChunkMs) : 0;
    const chunkMs = options.chunkMs ?? adapter.chunkMs ?? 0;
    this.chunkBytes = Math.max(this.minChunkBytes, chunkMs > 0 ? bytesForDuration(format, chunkMs) : 0);
    this.maxChunkBytes = Math.max(this.chunkBytes, bytesForDuration(format, adapter.maxChunkMs ?? 100));
    if (this.chunkBytes > this.minChunkBytes) {
      this.tail = new TailFlush(chunkMs, () => this.buffer.end > this.sentPos, () => this.flush(true));
    }
    this.buffer = new AudioReplayBuffer(bytesForDuration(format, options.maxBufferMs ?? 15_000));
    this.inactivityTimeoutMs = options.inactivityTimeoutMs ?? adapter.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_MS;
    const pace = adapter.paceAudio;
    if (pace) {
      const burst = Math.max(this.maxChunkBytes + this.minChunkBytes, bytesForDuration(format, pace.burstMs ?? 1000));
      this.pacer = new AudioPacer(this.bytesPerSecond, burst, pace.rate ?? 1, () => this.paced());
    }
    this.ctx = {
      emit: (t) => this.emit(t),
      commit: (until) => this.commit(until),
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
    this.buffer.write(audio);
    if (this.buffer.droppedBytes > 0 && !this.warnedOverflow) {
      this.warnedOverflow = true;
      this.logger.warn({ droppedBytes: this.buffer.droppedBytes }, 'stt audio buffer full; oldest audio dropped');
    }
    const ws = this.ws;
    if (!ws || !this.audioReady) return;
    if (this.sentPos < this.buffer.start) this.sentPos = this.buffer.start;
    const pending = this.buffer.end - this.sentPos;
    if (pending < this.chunkBytes) {
      if (pending === audio.byteLength) this.tail?.started();
      return;
    }
    if (pending === audio.byteLength && pending <= this.maxChunkBytes && (!this.pacer || this.pacer.allows(pending))) {
      ws.send(audio);
      this.audioMessages++;
      this.pacer?.spent(pending);
      this.sentPos = this.buffer.end;
    } else this.flush(false);
    this.keepAlive?.touch();
    this.watch?.audioSent();
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
    if (!ws || !this.audioReady) {
      // Not connected (yet, or reconnecting): finalize once the buffered audio went out.
      this.finalizePending = true;
      return;
    }
    this.flush(true);
    // Paced audio still waits: the finalize follows it (from `paced`).
    if (this.pacer?.waiting) return void (this.finalizePending = true);
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
    return { audioSeconds: this.audioBytes / this.bytesPerSecond };
  }

  private async closeGracefully(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    const started = Date.now();
    const closeTimeoutMs = this.options.closeTimeoutMs ?? 3000;
    if ((!this.ws || !this.audioReady) && (this.buffer.end > this.sentPos || this.finalizePending)) {
      // Still connecting (or reconnecting) with audio nobody heard yet: let it open and drain.
      await Promise.race([this.lifecycle.wait('open', closeTimeoutMs), this.runDone]);
    }
    const ws = this.ws;
    if (this.pacer?.waiting) await this.lifecycle.wait('drained', closeTimeoutMs, this.runDone);
    if (ws && ws.readyState === WebSocket.OPEN && this.state === 'closing') {
      this.flush(true);
      const timeoutMs = Math.max(100, closeTimeoutMs - (Date.now() - started));
      const audioMessages = () => this.audioMessages;
      const io = {
        send: (data: string | Uint8Array) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(data);
        },
        get audioMessagesSent() {
          return audioMessages();
        },
        waitFor: (signal: WebSocketSTTSignal, ms: number) => this.waitFor(signal, ms),
      };
      const deadline = delay(timeoutMs, this.controller.signal).then(
        () => false,
        () => false,
      );
      const sequence = (async () => {
        await this.adapter.close?.(io);
        return Promise.race([this.socketClosed.then(() => true), this.waitFor('done', timeoutMs)]);
      })().catch((err: unknown) => {
        this.logger.debug({ err }, 'stt close sequence failed');
        return false;
      });
      // After the vendor's last message, its close frame (a later read) is awaited, bounded.
      if (await Promise.race([sequence, deadline])) await closeAfterPeer(ws, this.socketClosed, PEER_CLOSE_WAIT_MS, CLOSE_HANDSHAKE_MS);
      else await closeWebSocket(ws, 1000, '', CLOSE_HANDSHAKE_MS);
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
          const request = this.adapter.request();
          ws = await connectWebSocket(request.url, {
            provider: this.adapter.provider,
            ...(request.headers ? { headers: request.headers } : {}),
            ...(request.protocols ? { protocols: request.protocols } : {}),
            ...(this.adapter.apiKeyEnv ? { apiKeyEnv: this.adapter.apiKeyEnv } : {}),
            timeoutMs: this.options.connectTimeoutMs ?? 10_000,
            signal: this.controller.signal,
          });
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
        this.watch?.heard();
        this.handleMessage(data, isBinary);
      });
      ws.on('error', (err) => {
        this.socketError ??= new ProviderConnectionError(this.adapter.provider, 'socket error', { cause: err });
      });
      ws.once('close', (code: number, reason: Buffer) => {
        if (this.ws === ws) {
          this.ws = undefined;
          this.pacer?.stop();
          this.keepAlive?.stop();
          this.keepAlive = undefined;
          this.watch?.stop();
          this.watch = undefined;
        }
        resolveClosed();
        const error =
          this.socketError ??
          (this.state === 'running' ? this.classifyClose(code, reason.toString('utf8')) : undefined);
        resolve({ error, healthy: this.connectionEmits > 0 || Date.now() - openedAt >= HEALTHY_AFTER_MS });
      });
      this.watch = new InactivityWatch(this.inactivityTimeoutMs, (silentMs) => this.silent(ws, silentMs)).start();
      for (const message of this.adapter.openMessages?.() ?? []) ws.send(message);
      for (const text of this.pendingTexts.splice(0)) ws.send(text);
      this.ws = ws;
      this.connStart = this.buffer.start;
      this.sentPos = this.buffer.start;
      this.audioReady = !this.adapter.awaitReady;
      this.audioMessages = 0;
      this.pacer?.reset();
      this.flushBacklog();
      // A finalize the dropped socket never answered covers audio that is being replayed: repeat it.
      if (this.finalizeUnanswered) this.finalizePending = true;
      if (this.finalizePending && this.audioReady) this.sendFinalize();
      if (this.audioReady) this.lifecycle.raise('open');
      const ka = this.adapter.keepAlive;
      if (ka) {
        const send = ka.message === undefined ? () => ws.ping() : () => ws.send(ka.message as string);
        this.keepAlive = new KeepAlive(ka.intervalMs, send, {
          signal: this.controller.signal,
          onlyWhenIdle: ka.onlyWhenIdle ?? false,
        }).start();
      }
    });
  }

  /**
   * Sends the unsent audio in chunks of at most `maxChunkBytes`. A tail under `chunkBytes` stays
   * unless `tail` (a finalize, a close, a tail that waited); one under the vendor's minimum always stays.
   */
  private flush(tail: boolean): void {
    const ws = this.ws;
    if (!ws || !this.audioReady) return;
    if (this.sentPos < this.buffer.start) this.sentPos = this.buffer.start;
    let budget = this.pacer ? this.pacer.budget() : Infinity;
    while (this.buffer.end > this.sentPos) {
      const pending = this.buffer.end - this.sentPos;
      if (pending < this.minChunkBytes || (pending < this.chunkBytes && !tail)) break;
      let size = Math.min(pending, this.maxChunkBytes);
      if (pending - size > 0 && pending - size < this.minChunkBytes) size = pending;
      if (size > budget) return void this.pacer?.wake(size);
      budget -= size;
      this.pacer?.spent(size);
      ws.send(this.buffer.read(this.sentPos, this.sentPos + size));
      this.audioMessages++;
      this.sentPos += size;
      this.keepAlive?.touch();
      this.watch?.audioSent();
    }
  }

  /** Audio held while no socket took it goes out; a partial chunk left waits at most one chunk's time. */
  private flushBacklog(): void {
    this.flush(false);
    if (this.buffer.end > this.sentPos) this.tail?.started();
  }

  /** The pacer's clock allows more audio: send it; once caught up, a waiting finalize or close goes on. */
  private paced(): void {
    this.flush(this.state !== 'running');
    if (this.pacer?.waiting) return;
    if (this.finalizePending && this.state !== 'closed') this.sendFinalize();
    this.lifecycle.raise('drained');
  }

  private handleMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.logger.debug({ bytes: data.byteLength }, 'stt binary message dropped');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.logger.warn({ bytes: data.byteLength }, 'stt malformed message dropped');
      return;
    }
    let known: boolean;
    try {
      known = this.adapter.onMessage(message, this.ctx);
    } catch (err) {
      this.logger.warn({ err }, 'stt message handling failed; message dropped');
      return;
    }
    if (!known) {
      const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
      this.logger.debug({ type: typeof type === 'string' ? type : undefined }, 'stt unknown message dropped');
    }
  }

  private emit(t: Transcript): void {
    if (this.state === 'closed') return;
    this.connectionEmits++;
    const offset = this.connStart / this.bytesPerSecond;
    if (offset > 0 && t.words && t.words.length > 0) {
      t = { ...t, words: t.words.map((w) => ({ ...w, start: w.start + offset, end: w.end + offset })) };
    }
    this.queue.push(t);
  }

  private commit(untilSeconds: number | undefined): void {
    if (untilSeconds === undefined || !Number.isFinite(untilSeconds)) {
      this.buffer.trim(this.sentPos);
      return;
    }
    const bytes = Math.floor((untilSeconds * this.bytesPerSecond) / this.sampleBytes) * this.sampleBytes;
    this.buffer.trim(Math.min(this.sentPos, this.connStart + Math.max(0, bytes)));
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
    if (signal === 'ready' && !this.audioReady && this.ws && this.state !== 'closed') {
      this.audioReady = true;
      this.pacer?.reset();
      this.flushBacklog();
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
    this.tail?.stop();
    this.pacer?.stop();
    this.keepAlive?.stop();
    this.keepAlive = undefined;
    this.watch?.stop();
    this.watch = undefined;
    this.controller.abort();
    const ws = this.ws;
    this.ws = undefined;
    // An open socket gets a close frame (1000), never a bare TCP reset; terminate() only after the bound.
    if (ws && ws.readyState === WebSocket.OPEN) void closeWebSocket(ws, 1000, '', CLOSE_HANDSHAKE_MS);
    else if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    this.signals.raiseAll();
    this.lifecycle.raiseAll();
    this.buffer.release();
  }
}

function toProviderError(provider: string, err: unknown): ProviderError {
  if (ProviderError.isProviderError(err)) return err;
  return new ProviderConnectionError(provider, 'connection failed', { cause: err });
}
