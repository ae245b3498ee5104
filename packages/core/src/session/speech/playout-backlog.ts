/** Audio queued at the transport (sent or not, not yet played) above which speech stops pulling from the TTS, ms. */
export const SPEECH_AHEAD_MS = 2_000;
/**
 * Once over `SPEECH_AHEAD_MS`, speech waits until the backlog is down to this, ms: one wake-up
 * pulls ~1 s (in 100 ms pieces), once a second per speaking call. Each wake-up resumes the vendor
 * stream (undici copies the socket data buffered while paused into one buffer and parses it again
 * from where it paused), so fewer, larger wake-ups cost less; 1 s of audio per wake-up is still
 * small work, and 1 s left queued is far from an underrun.
 */
export const SPEECH_RESUME_MS = 1_000;

/**
 * Backpressure for the agent's speech: the TTS stream is read only while the transport has less
 * than `aheadMs` of audio queued ahead of the caller's ear, so a long reply is held by the vendor
 * (an HTTP body not read, a WebSocket paused) instead of in this process. The transport's backlog
 * drains at real time, so a full backlog costs one timer, set for when it will have drained to
 * `resumeMs` (re-checked then), never one per frame.
 */
export class PlayoutBacklog {
  constructor(
    private readonly pendingMs: () => number,
    private readonly aheadMs = SPEECH_AHEAD_MS,
    private readonly resumeMs = SPEECH_RESUME_MS,
  ) {}

  /**
   * `undefined` when there is room (the common case: nothing allocated); otherwise a promise that
   * resolves once the backlog is down to `resumeMs`, or at once when `signal` aborts.
   */
  wait(signal: AbortSignal): Promise<void> | undefined {
    if (signal.aborted || this.pendingMs() < this.aheadMs) return undefined;
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = (): void => {
        const over = this.pendingMs() - this.resumeMs;
        if (over <= 0) {
          done();
          return;
        }
        timer = setTimeout(check, Math.ceil(over));
        timer.unref();
      };
      signal.addEventListener('abort', done, { once: true });
      check();
    });
  }
}
