import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { normalizeBaseUrl, joinUrl, toWebSocketUrl } from './join-url.js';
import { resolveApiKey } from './resolve-api-key.js';

describe('resolveApiKey', () => {
  afterEach(() => {
    delete process.env.PATTER_TEST_KEY;
  });

  it('prefers the option, then the environment variable', () => {
    process.env.PATTER_TEST_KEY = 'from-env';
    expect(resolveApiKey('given', 'PATTER_TEST_KEY')).toBe('given');
    expect(resolveApiKey(undefined, 'PATTER_TEST_KEY')).toBe('from-env');
  });

  it('names the option and the environment variable when neither is set', () => {
    let error: unknown;
    try {
      resolveApiKey(undefined, 'PATTER_TEST_KEY');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'apiKey', envVar: 'PATTER_TEST_KEY' });
    expect((error as Error).message).toContain('PATTER_TEST_KEY');
  });
});

describe('baseUrl handling', () => {
  it('validates and trims a base URL, naming the option on error', () => {
    expect(normalizeBaseUrl('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
    expect(() => normalizeBaseUrl('not a url')).toThrow(/^baseUrl: not a valid URL/);
    expect(() => normalizeBaseUrl('ftp://x')).toThrow(/^baseUrl: must be an http\(s\) or ws\(s\) URL/);
  });

  it('joins paths and query, leaving out undefined values and repeating arrays', () => {
    expect(joinUrl('https://h/v1', '/listen', { model: 'nova-3', a: undefined, kw: ['x', 'y'], n: 1 })).toBe(
      'https://h/v1/listen?model=nova-3&kw=x&kw=y&n=1',
    );
    expect(toWebSocketUrl('https://h/x')).toBe('wss://h/x');
    expect(toWebSocketUrl('http://h/x')).toBe('ws://h/x');
  });
});
