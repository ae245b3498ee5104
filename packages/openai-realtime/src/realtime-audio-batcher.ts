import type { AudioFormat } from '@patter/core';
import { bytesForDuration, TailFlush } from '@patter/core/plugin';

/**
 * The caller's audio for `input_audio_buffer.append`, batched to `chunkMs` per event (LiveKit's
 * Realtime plugin sends 100 ms): one base64 string and one socket message per chunk instead of per
 * 20 ms carrier frame. A partial chunk goes once it waited `chunkMs` (the audio stopped), or at once
 * on `flush()`. Frames are copied into one buffer: no allocation per frame.
 */
export class RealtimeAudioBatcher {
  private buffer: Uint8Array;
  private held = 0;
  private readonly tail: TailFlush;

  constructor(
    format: AudioFormat,
    private readonly chunkMs: number,
    private readonly send: (base64: string) => void,
  ) {
    this.buffer = new Uint8Array(bytesForDuration(format, chunkMs));
    this.tail = new TailFlush(chunkMs, () => this.held > 0, () => this.flush());
  }

  /** The session's input format changed: what is held goes first, in the old one. */
  setFormat(format: AudioFormat): void {
    this.flush();
    this.buffer = new Uint8Array(bytesForDuration(format, this.chunkMs));
  }

  push(audio: Uint8Array): void {
    const wasEmpty = this.held === 0;
    for (let at = 0; at < audio.length; ) {
      const n = Math.min(this.buffer.length - this.held, audio.length - at);
      this.buffer.set(n === audio.length ? audio : audio.subarray(at, at + n), this.held);
      this.held += n;
      at += n;
      if (this.held === this.buffer.length) this.flush();
    }
    if (wasEmpty && this.held > 0) this.tail.started();
  }

  /** Sends what is held. */
  flush(): void {
    if (this.held === 0) return;
    const base64 = Buffer.from(this.buffer.buffer, this.buffer.byteOffset, this.held).toString('base64');
    this.held = 0;
    this.send(base64);
  }

  /** Drops what is held and the timer (the session closed). */
  stop(): void {
    this.tail.stop();
    this.held = 0;
  }
}
