import type { CallControl } from '../call/call-control.js';
import type { CallEndReason, CallInfo } from '../carrier/call-transport.js';
import { TransferAllowlist } from '../carrier/transfer-allowlist.js';
import type { Logger } from '../log/logger.js';
import { maskPhoneNumber } from '../log/mask.js';
import { TransferRefusedError } from './transfer-refused-error.js';

/** What a call control drives: the carrier leg and the session around it. */
export interface CallControlTarget {
  readonly carrier: string;
  readonly info: () => CallInfo | undefined;
  readonly ended: () => boolean;
  readonly logger: Logger;
  readonly transfer: (to: string) => Promise<void>;
  readonly sendDtmf: (digits: string) => Promise<void>;
  readonly say: (text: string) => Promise<void>;
  /** Resolves when the agent's queued speech has played. */
  readonly waitForPlayback: () => Promise<void>;
  /** Ends the session (hangs up the carrier leg) with a reason. */
  readonly end: (reason: CallEndReason, error?: unknown) => Promise<void>;
  /** A transfer or hang-up the agent asked for is done (or failed), before the call ends. */
  readonly onAction?: (action: 'transfer' | 'hangup', startedAt: number, error?: string) => void;
}

/**
 * The `CallControl` tools, hooks and `onMessage` receive. Transfers are checked against the
 * allowlist (refused → logged and thrown, so the model hears why), and both transfer and
 * hang-up let the agent's last words finish playing first.
 */
export function createCallControl(target: CallControlTarget, allowlist: readonly string[] = []): CallControl {
  const allowed = new TransferAllowlist(allowlist);
  return {
    get callId() {
      return target.info()?.callId ?? '';
    },
    get callRef() {
      return target.info()?.callRef ?? '';
    },
    carrier: target.carrier,
    get ended() {
      return target.ended();
    },
    async transfer(to: string) {
      const startedAt = performance.now();
      try {
        await transferCall(to);
      } catch (err) {
        target.onAction?.('transfer', startedAt, err instanceof Error ? err.name : 'error');
        throw err;
      }
      target.onAction?.('transfer', startedAt);
      await target.end('transfer');
    },
    async hangup(options = {}) {
      if (target.ended()) return;
      const startedAt = performance.now();
      if (!options.immediate) await target.waitForPlayback();
      target.onAction?.('hangup', startedAt);
      await target.end(options.reason ?? 'agent_hangup', options.error);
    },
    sendDtmf: (digits) => target.sendDtmf(digits),
    say: (text) => target.say(text),
  };

  async function transferCall(to: string): Promise<void> {
    if (target.ended()) throw new TransferRefusedError('the call has ended');
    if (!allowed.check(to, target.logger, { callId: target.info()?.callId })) {
      throw new TransferRefusedError(`transfer to ${maskPhoneNumber(to)} is not allowed`);
    }
    await target.waitForPlayback();
    if (target.ended()) throw new TransferRefusedError('the call has ended');
    await target.transfer(to);
  }
}
