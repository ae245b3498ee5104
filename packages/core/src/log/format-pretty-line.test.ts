import { describe, expect, it } from 'vitest';
import { formatPrettyLine } from './format-pretty-line.js';
import { createConsoleLogger } from './logger.js';
import { redactSecrets, redactText } from './redact-secrets.js';

describe('log formats', () => {
  it('pretty: one line with time, level, message, the call id first, then key fields', () => {
    const line = formatPrettyLine({
      level: 'warn', time: Date.UTC(2026, 0, 2, 12, 4, 5, 123), msg: 'tool call failed', tool: 'book', callId: 'CA1', attempt: 2,
      err: { name: 'ProviderStatusError', message: 'tool:book: request failed (HTTP 500)' }, traceId: 'ab',
    });
    expect(line).toBe('12:04:05.123 WARN  tool call failed callId=CA1 tool=book attempt=2 err="ProviderStatusError: tool:book: request failed (HTTP 500)"');
  });

  it('the console logger writes JSON or pretty lines as asked, redacted', () => {
    const json: string[] = [];
    const pretty: string[] = [];
    createConsoleLogger({ format: 'json', write: (l) => void json.push(l) }).info({ callId: 'CA1', apiKey: 'sk-live-123' }, 'call started');
    createConsoleLogger({ format: 'pretty', write: (l) => void pretty.push(l) }).info({ callId: 'CA1', url: 'wss://h/stream?token=abc.def' }, 'call started');
    expect(JSON.parse(json[0]!)).toMatchObject({ level: 'info', callId: 'CA1', apiKey: '***', msg: 'call started' });
    expect(pretty[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  call started callId=CA1 url="wss:\/\/h\/stream\?token=\*\*\*"$/);
  });

  it('masks secret fields, URL tokens and credentials, authorization values and JSON secret fields in text', () => {
    expect(redactSecrets({ authToken: 'x', nested: { signature: 'y', ok: 'z' }, list: ['Bearer abcdefgh'] })).toEqual({
      authToken: '***', nested: { signature: '***', ok: 'z' }, list: ['Bearer ***'],
    });
    expect(redactText('https://u:p@h/x?a=1&token=s3cr3t&key=k')).toBe('https://***@h/x?a=1&token=***&key=***');
    expect(redactText('{"error":"boom","headers":{"x-patter-signature":"t=1,v1=ff","authorization":"Bearer q"}}')).toBe(
      '{"error":"boom","headers":{"x-patter-signature":"***","authorization":"***"}}',
    );
    expect(redactText('plain text')).toBe('plain text');
  });
});
