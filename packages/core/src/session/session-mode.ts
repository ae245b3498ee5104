import type { CallTransport } from '../carrier/call-transport.js';
import type { ParkedSTTConnection } from '../stt/stt-provider.js';
import type { PreparedSpeech } from './prepared-call.js';
import type { SessionContext } from './session-context.js';

/**
 * How a call is run once its media stream is up: the STT → LLM → TTS pipeline, or the
 * engine bridge. `createCallSession` picks one from the agent (`engine` set → engine mode)
 * and drives it through this seam.
 */
export interface SessionMode {
  /**
   * Start listening to the caller (audio in, turns, replies). `parked`: the STT connection opened
   * while the call rang (the pipeline's STT stream adopts it; other modes get none).
   */
  listen(parked?: ParkedSTTConnection): void;
  /**
   * Speak `text` verbatim in the agent's voice; recorded in the history as the agent's.
   * `prepared`: its audio, synthesized ahead (the pipeline uses it; other modes ignore it).
   */
  say(text: string, prepared?: PreparedSpeech): Promise<void>;
  /** Resolves when everything the agent said so far has been played (or the call ended). */
  waitForPlayback(): Promise<void>;
  /** Stop everything; the call is over. Never throws. */
  close(): Promise<void>;
}

export type SessionModeFactory = (context: SessionContext, transport: CallTransport) => SessionMode;
