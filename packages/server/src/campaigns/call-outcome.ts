import type { CallOutcome } from '@patter/fleet';

const BUSY = new Set(['busy', 'user_busy']);
const NO_ANSWER = new Set(['no-answer', 'no_answer', 'timeout', 'originator_cancel']);

/**
 * How a campaign call ended, for the fleet's retry policy. A call whose stream never connected
 * ended with the carrier's status (Twilio) or hangup cause (Telnyx); one that connected ended
 * with the session's reason (`voicemail` when the agent's voicemail policy met a machine).
 */
export function campaignOutcome(reason: string, connected: boolean): CallOutcome {
  if (!connected) {
    if (BUSY.has(reason)) return 'busy';
    if (NO_ANSWER.has(reason)) return 'no-answer';
    return 'failed';
  }
  if (reason === 'voicemail') return 'voicemail';
  if (reason === 'error') return 'failed';
  return 'completed';
}
