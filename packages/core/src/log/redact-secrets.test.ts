import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('masks any carrier’s webhook signature header without core naming the carrier', () => {
    const headers = {
      'x-acme-signature': 'sig-1',
      'X-Other-Signature-Ed25519': 'sig-2',
      'x_third_signature_v2': 'sig-3',
      'content-type': 'application/json',
    };
    expect(redactSecrets({ headers })).toEqual({
      headers: { 'x-acme-signature': '***', 'X-Other-Signature-Ed25519': '***', x_third_signature_v2: '***', 'content-type': 'application/json' },
    });
  });
});
