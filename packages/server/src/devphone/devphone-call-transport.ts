import type { CallSession, CallTransport, TextChannel } from '@patter/core';

/**
 * What the dev phone's transport adds to the carrier-neutral `CallTransport`: typed text beside
 * the audio (text mode), and the session, to mirror its transcripts, tool calls and metrics to
 * the page. The server hands both over when it starts the call; core knows neither.
 */
export interface DevPhoneCallTransport extends CallTransport {
  /** The page's typed text in, the agent's replies out. */
  readonly text: TextChannel;
  /** Called right after the session is created. */
  attachSession(session: CallSession): void;
}
