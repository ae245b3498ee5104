import type { WebSocket } from '../net/connect-web-socket.js';
import { KeepAlive } from '../net/keep-alive.js';
import { InactivityWatch } from './inactivity-watch.js';
import type { WebSocketSTTAdapter } from './web-socket-stt-adapter.js';

/**
 * Keeps the current vendor socket alive and notices one that went quiet: the adapter's
 * keep-alive (its message, else a ping) and an `InactivityWatch` that calls `onSilent` when the
 * socket says nothing while audio flows to it. Both belong to one socket: `start` them when it
 * opens, `stop` them when it closes. Recording traffic only stores timestamps (audio path).
 */
export class STTSocketLiveness {
  private keepAlive: KeepAlive | undefined;
  private watch: InactivityWatch | undefined;

  /**
   * @param keepAliveConfig - the adapter's keep-alive, if it wants one
   * @param inactivityTimeoutMs - silence (while audio flows) that drops the socket; 0 = never
   * @param signal - stops the keep-alive when the stream ends
   */
  constructor(
    private readonly keepAliveConfig: WebSocketSTTAdapter['keepAlive'],
    private readonly inactivityTimeoutMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Watches a socket that just opened. */
  start(ws: WebSocket, onSilent: (silentMs: number) => void): void {
    this.watch = new InactivityWatch(this.inactivityTimeoutMs, onSilent).start();
    const ka = this.keepAliveConfig;
    if (ka) {
      const send = ka.message === undefined ? () => ws.ping() : () => ws.send(ka.message as string);
      this.keepAlive = new KeepAlive(ka.intervalMs, send, {
        signal: this.signal,
        onlyWhenIdle: ka.onlyWhenIdle ?? false,
      }).start();
    }
  }

  /** Audio went out: the socket is not idle, and the vendor owes an answer. */
  audioSent(): void {
    this.keepAlive?.touch();
    this.watch?.audioSent();
  }

  /** The vendor said something. */
  heard(): void {
    this.watch?.heard();
  }

  /** The socket closed (or the stream ended): no more timers. */
  stop(): void {
    this.keepAlive?.stop();
    this.keepAlive = undefined;
    this.watch?.stop();
    this.watch = undefined;
  }
}
