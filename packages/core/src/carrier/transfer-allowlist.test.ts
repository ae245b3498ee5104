import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import type { Logger } from '../log/logger.js';
import { TransferAllowlist } from './transfer-allowlist.js';

function recordingLogger(): { logger: Logger; lines: { fields: Record<string, unknown>; message: string }[] } {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => lines.push({ fields, message }),
    error: () => {},
    child: () => logger,
  };
  return { logger, lines };
}

describe('TransferAllowlist', () => {
  const list = new TransferAllowlist(['+15550001234', '+44 20*', 'sip:desk@pbx.example.com']);

  it('allows exact numbers, formatted or not', () => {
    expect(list.allows('+15550001234')).toBe(true);
    expect(list.allows('+1 (555) 000-1234')).toBe(true);
    expect(list.allows('+15550001235')).toBe(false);
    expect(list.allows('+155500012345')).toBe(false);
  });

  it('allows prefixes and exact SIP URIs only', () => {
    expect(list.allows('+442071234567')).toBe(true);
    expect(list.allows('+449001234567')).toBe(false);
    expect(list.allows('SIP:desk@pbx.example.com')).toBe(true);
    expect(list.allows('sip:other@pbx.example.com')).toBe(false);
    expect(list.allows('+4420;postd=1')).toBe(false);
  });

  it('allows nothing when empty', () => {
    expect(new TransferAllowlist([]).allows('+15550001234')).toBe(false);
  });

  it('logs a refusal with the number masked', () => {
    const { logger, lines } = recordingLogger();
    expect(list.check('+19005550199', logger, { callId: 'CA1' })).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toEqual({ callId: 'CA1', to: '+1900***0199' });
    expect(JSON.stringify(lines)).not.toContain('19005550199');
    expect(list.check('+15550001234', logger)).toBe(true);
    expect(lines).toHaveLength(1);
  });

  it('rejects malformed entries at construction', () => {
    expect(() => new TransferAllowlist(['call me'])).toThrow(ConfigError);
    expect(() => new TransferAllowlist(['+1abc*'])).toThrow(/transferAllowlist/);
  });
});
