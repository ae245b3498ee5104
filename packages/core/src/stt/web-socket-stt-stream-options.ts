import type { WebSocket } from '../net/connect-web-socket.js';
import type { STTStream, STTStreamOptions } from './stt-provider.js';

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

/** An `STTStream` over a vendor WebSocket, which can also send vendor control messages. */
export interface WebSocketSTTStream extends STTStream {
  /**
   * Sends a text frame (a mid-call config update) on the open socket, or right after the next
   * open when none is (at most 32 wait). False once the stream ended or the wait list is full.
   */
  sendText(text: string): boolean;
}

