/** One dial the fleet asks for; `attemptId` tags the call so a reconciler can find it. */
export interface DialRequest {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly to: string;
  readonly from: string;
  readonly variables: Readonly<Record<string, string>>;
  /** The campaign's agent name, when it names one (else the server's default agent). */
  readonly agent?: string;
  readonly signal: AbortSignal;
}

/** A call the carrier knows about, as its REST API lists it. */
export interface CarrierCallInfo {
  readonly callId: string;
  /** Carrier status; a final one (`completed`, `busy`, `no-answer`, `failed`, `canceled`) ends the attempt. */
  readonly status: string;
  /** Who answered, when answering-machine detection ran (`machine` makes a completed call `voicemail`). */
  readonly answeredBy?: 'human' | 'machine' | 'fax' | 'unknown';
}

/**
 * What the fleet needs from a carrier: place a call, and find the call an attempt placed when
 * the worker that placed it died before recording its id (so it is never dialed twice).
 */
export interface Dialer {
  dial(request: DialRequest): Promise<{ readonly callId: string }>;
  /**
   * Calls to `to` from `from` created at or after `since` (ms epoch), newest first. Optional (Telnyx
   * lists active calls only): without it a dial whose result was lost is failed, never redialed.
   */
  findCalls?(query: { readonly to: string; readonly from: string; readonly since: number; readonly signal: AbortSignal }): Promise<readonly CarrierCallInfo[]>;
}

/** How a call ended, as the fleet's retry policy sees it. */
export type CallOutcome = 'completed' | 'voicemail' | 'busy' | 'no-answer' | 'failed';

/** Maps a carrier's final call status (and AMD result) to an outcome; undefined while the call is still live. */
export function outcomeOfStatus(status: string, answeredBy?: CarrierCallInfo['answeredBy']): CallOutcome | undefined {
  switch (status) {
    case 'completed':
      return answeredBy === 'machine' ? 'voicemail' : 'completed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return undefined;
  }
}
