import { describe, expect, it } from 'vitest';
import { SecretAttempts } from './secret-attempts.js';

describe('SecretAttempts', () => {
  it('blocks an address after 10 failures until its minute is over; others are not affected', () => {
    let now = 1_000_000;
    const attempts = new SecretAttempts(() => now);
    for (let i = 0; i < 9; i++) attempts.fail('10.0.0.1');
    expect(attempts.blocked('10.0.0.1')).toBe(false);
    attempts.fail('10.0.0.1');
    expect(attempts.blocked('10.0.0.1')).toBe(true);
    expect(attempts.blocked('10.0.0.2')).toBe(false);
    now += 59_999;
    expect(attempts.blocked('10.0.0.1')).toBe(true);
    now += 1;
    expect(attempts.blocked('10.0.0.1')).toBe(false);
    attempts.fail('10.0.0.1');
    expect(attempts.blocked('10.0.0.1')).toBe(false);
  });

  it('remembers at most 1024 addresses', () => {
    const attempts = new SecretAttempts(() => 0);
    for (let i = 0; i < 10; i++) attempts.fail('first');
    for (let i = 0; i < 1024; i++) attempts.fail(`addr-${i}`);
    expect(attempts.blocked('first')).toBe(false);
  });
});
