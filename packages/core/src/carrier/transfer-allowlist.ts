import { ConfigError } from '../errors/config-error.js';
import type { Logger } from '../log/logger.js';
import { maskPhoneNumber } from '../log/mask.js';

/**
 * Which numbers a call may be transferred to. Entries are exact numbers (`+15550001234`), prefixes
 * ending in `*` (`+1555*`, `+44*`), or SIP URIs (exact, case-insensitive). Phone numbers are
 * compared after removing spaces, dashes, dots and parentheses. An empty list allows nothing, so a
 * prompt-injected caller cannot make the agent dial a premium number.
 */
export class TransferAllowlist {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(entries: readonly string[], option = 'transferAllowlist') {
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry.endsWith('*')) {
        const prefix = normalizeTarget(entry.slice(0, -1));
        if (!/^\+?\d+$/.test(prefix)) throw new ConfigError(option, `a prefix must be digits with an optional +, got ${JSON.stringify(raw)}`);
        this.prefixes.push(prefix);
      } else {
        const target = normalizeTarget(entry);
        if (!/^\+?\d{3,15}$/.test(target) && !/^sips?:/.test(target)) {
          throw new ConfigError(option, `not a phone number, prefix* or SIP URI: ${JSON.stringify(raw)}`);
        }
        this.exact.add(target);
      }
    }
  }

  /** Whether a transfer to `to` is allowed. */
  allows(to: string): boolean {
    const target = normalizeTarget(to);
    if (target === '' || /[^+\d]/.test(target) && !/^sips?:/.test(target)) return false;
    if (this.exact.has(target)) return true;
    if (/^sips?:/.test(target)) return false;
    return this.prefixes.some((prefix) => target.startsWith(prefix));
  }

  /** `allows`, logging a refusal (with the number masked). */
  check(to: string, logger: Logger, fields: Record<string, unknown> = {}): boolean {
    if (this.allows(to)) return true;
    logger.warn({ ...fields, to: maskPhoneNumber(to) }, 'transfer refused: target not in allowlist');
    return false;
  }
}

function normalizeTarget(value: string): string {
  const trimmed = value.trim();
  if (/^sips?:/i.test(trimmed)) return trimmed.toLowerCase();
  return trimmed.replace(/[\s().-]/g, '');
}
