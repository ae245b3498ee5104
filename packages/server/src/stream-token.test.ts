import { describe, expect, it } from 'vitest';
import { StreamToken } from './stream-token.js';

const REF = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

describe('StreamToken', () => {
  it('verifies its own token for the same call ref only', () => {
    const tokens = new StreamToken('secret-secret-secret');
    const token = tokens.sign(REF, 60_000);
    expect(tokens.verify(REF, token)).toEqual({ ok: true });
    expect(tokens.verify('f'.repeat(32), token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses missing, malformed, tampered and expired tokens', () => {
    let now = 1_700_000_000_000;
    const tokens = new StreamToken('secret-secret-secret', () => now);
    const token = tokens.sign(REF, 60_000);
    expect(tokens.verify(REF, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.verify(REF, '')).toEqual({ ok: false, reason: 'missing' });
    expect(tokens.verify(REF, 'abc')).toEqual({ ok: false, reason: 'malformed' });
    const [expiry, mac] = token.split('.') as [string, string];
    const later = (parseInt(expiry, 36) + 3600).toString(36);
    expect(tokens.verify(REF, `${later}.${mac}`)).toEqual({ ok: false, reason: 'invalid' });
    now += 61_000;
    expect(tokens.verify(REF, token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('uses a random secret per instance by default', () => {
    const token = new StreamToken().sign(REF, 60_000);
    expect(new StreamToken().verify(REF, token)).toEqual({ ok: false, reason: 'invalid' });
  });
});
