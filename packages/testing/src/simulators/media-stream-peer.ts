import { once } from 'node:events';
import { pcm16Samples, pcm16ToMulaw, WebSocket } from '@patter/core/plugin';
import { parseWav } from '../audio/parse-wav.js';
import { WaitableLog } from '../fakes/waitable-log.js';
import { TestKitError } from '../test-kit-error.js';

/** One audio frame the server sent to the simulated carrier. */
export interface ReceivedMedia {
  /** Decoded audio bytes. */
  readonly audio: Uint8Array;
  readonly bytes: number;
  /** `performance.now()` at arrival. */
  readonly at: number;
}

/** A mark the server placed, and what the simulated carrier did with it. */
export interface ReceivedMark {
  readonly name: string;
  readonly at: number;
  /** When the echo was sent back (after the audio before it "played"). */
  echoedAt: number | undefined;
  /** Echoed because of a `clear`, not because it played. */
  discarded: boolean;
}

export interface SendAudioOptions {
  /** Bytes per frame. Default 160 (20 ms of μ-law 8 kHz). */
  readonly frameBytes?: number;
  /** Pace frames at real time (default) or send them back to back. */
  readonly realtime?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The carrier side of a media-stream WebSocket: sends caller audio in real-time-paced frames,
 * "plays" the server's audio at real time, echoes marks when the audio before them has played
 * (all pending marks at once on `clear`), and records everything the server sends.
 */
export abstract class MediaStreamPeer {
  readonly media = new WaitableLog<ReceivedMedia>('media frame');
  readonly marks = new WaitableLog<ReceivedMark>('mark');
  readonly clears = new WaitableLog<number>('clear');
  /** Every parsed message the server sent, in order. */
  readonly messages = new WaitableLog<Record<string, unknown>>('server message');
  /** Protocol violations by the server (what the real carrier would reject). */
  readonly violations: string[] = [];
  /** Resolves when the WebSocket closes. */
  readonly closed: Promise<{ readonly code: number }>;
  protected readonly socket: WebSocket;
  private playEnd = 0;
  private readonly pendingMarks = new Map<ReceivedMark, NodeJS.Timeout>();

  protected constructor(socket: WebSocket, private readonly bytesPerMs: number) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve({ code })));
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.violations.push('binary frame');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        this.violations.push('invalid JSON');
        this.onInvalidJson();
        return;
      }
      if (typeof message !== 'object' || message === null) {
        this.violations.push('non-object message');
        return;
      }
      this.messages.push(message as Record<string, unknown>);
      this.onServerMessage(message as Record<string, unknown>);
    });
    this.closed.then(() => this.cancelPending(), () => {});
  }

  /** Open the socket; subclasses call this from their `connect`. */
  static async open(url: string): Promise<WebSocket> {
    const socket = new WebSocket(url);
    const [result] = await Promise.race([once(socket, 'open').then(() => ['open']), once(socket, 'unexpected-response').then(([, res]) => [res])]);
    if (result !== 'open') {
      socket.terminate();
      throw new TestKitError(`stream upgrade refused (HTTP ${(result as { statusCode?: number }).statusCode})`);
    }
    return socket;
  }

  /** Milliseconds of audio the server sent, whatever its message sizes. */
  receivedMs(): number {
    let bytes = 0;
    for (const message of this.media.items) bytes += message.bytes;
    return bytes / this.bytesPerMs;
  }

  /** Audio the server sent, concatenated. */
  receivedAudio(): Uint8Array {
    return Buffer.concat(this.media.items.map((m) => m.audio));
  }

  /** Send caller audio in frames (the last one may be short), paced at real time by default. */
  async sendAudio(audio: Uint8Array, options: SendAudioOptions = {}): Promise<void> {
    const frameBytes = options.frameBytes ?? 160;
    const frameMs = frameBytes / this.bytesPerMs;
    const start = performance.now();
    for (let offset = 0, i = 0; offset < audio.byteLength; offset += frameBytes, i++) {
      if (options.signal?.aborted || this.socket.readyState !== WebSocket.OPEN) return;
      if (options.realtime ?? true) {
        const wait = start + i * frameMs - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      this.sendMediaFrame(audio.subarray(offset, Math.min(offset + frameBytes, audio.byteLength)));
    }
  }

  /**
   * Send a WAV file (μ-law 8 kHz, or PCM16 8 kHz which is encoded to μ-law) as caller audio in
   * real-time-paced 20 ms frames. Returns the μ-law bytes that were sent.
   */
  async sendWav(wav: Uint8Array, options: SendAudioOptions = {}): Promise<Uint8Array> {
    const { format, data } = parseWav(wav);
    if (format.sampleRate !== 8000 || format.encoding === 'alaw') {
      throw new TestKitError(`sendWav needs μ-law or PCM16 at 8 kHz, got ${format.encoding}/${format.sampleRate} (use a mulaw-8k fixture)`);
    }
    const mulaw = format.encoding === 'mulaw' ? data : pcm16ToMulaw(pcm16Samples(data));
    await this.sendAudio(mulaw, options);
    return mulaw;
  }

  /** Send any text frame (for bad-input tests). */
  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** Close the WebSocket without a stop message (a dropped connection). */
  drop(): void {
    this.socket.terminate();
  }

  protected abstract onServerMessage(message: Record<string, unknown>): void;
  protected abstract sendMediaFrame(frame: Uint8Array): void;
  protected abstract sendMarkEcho(name: string): void;
  protected onInvalidJson(): void {}

  /** The server's audio starts "playing" after what is already queued. */
  protected play(audio: Uint8Array): void {
    const now = performance.now();
    this.media.push({ audio, bytes: audio.byteLength, at: now });
    this.playEnd = Math.max(this.playEnd, now) + audio.byteLength / this.bytesPerMs;
  }

  /** Echo the mark once the audio queued before it has played (at once if nothing is queued). */
  protected queueMark(name: string): void {
    const now = performance.now();
    const mark: ReceivedMark = { name, at: now, echoedAt: undefined, discarded: false };
    this.marks.push(mark);
    const wait = this.playEnd - now;
    if (wait <= 0) {
      this.echo(mark);
      return;
    }
    const timer = setTimeout(() => {
      this.pendingMarks.delete(mark);
      this.echo(mark);
    }, wait);
    timer.unref();
    this.pendingMarks.set(mark, timer);
  }

  /** Drop the playback queue and echo every pending mark. */
  protected clearPlayback(): void {
    this.clears.push(performance.now());
    this.playEnd = performance.now();
    for (const [mark, timer] of [...this.pendingMarks]) {
      clearTimeout(timer);
      this.pendingMarks.delete(mark);
      mark.discarded = true;
      this.echo(mark);
    }
  }

  /**
   * Records a violation for every field of `value` outside `allowed`: the carrier documents an
   * exact shape for what the server sends (`what` names the message in the violation).
   */
  protected checkFields(value: unknown, allowed: readonly string[], what: string): void {
    if (typeof value !== 'object' || value === null) {
      this.violations.push(`${what} is not an object`);
      return;
    }
    for (const key of Object.keys(value)) if (!allowed.includes(key)) this.violations.push(`${what} has undocumented field ${key}`);
  }

  protected send(message: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private echo(mark: ReceivedMark): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    mark.echoedAt = performance.now();
    this.sendMarkEcho(mark.name);
  }

  private cancelPending(): void {
    for (const timer of this.pendingMarks.values()) clearTimeout(timer);
    this.pendingMarks.clear();
  }
}
