import { describe, expect, it } from 'vitest';
import { extractJsonStringField } from './extract-json-string-field.js';
import { quoteJsonString } from './quote-json-string.js';

const MEDIA =
  '{"event":"media","sequenceNumber":"3","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"/////w=="}}';

describe('extractJsonStringField', () => {
  it('reads top-level and nested string members like JSON.parse', () => {
    expect(extractJsonStringField(MEDIA, 'event')).toBe('media');
    expect(extractJsonStringField(MEDIA, 'payload')).toBe('/////w==');
    expect(extractJsonStringField(MEDIA, 'streamSid')).toBe('MZ18ad3ab5a668481ce02b83e7395059f0');
  });

  it('tolerates whitespace and unescapes escaped values', () => {
    const json = '{ "event" :\n "media", "media": { "payload" : "ab\\/cd\\u0041\\"" } }';
    expect(extractJsonStringField(json, 'event')).toBe('media');
    expect(extractJsonStringField(json, 'payload')).toBe((JSON.parse(json) as { media: { payload: string } }).media.payload);
  });

  it('ignores the name inside string values and as a value', () => {
    expect(extractJsonStringField('{"note":"\\"payload\\":\\"evil\\"","payload":"good"}', 'payload')).toBe('good');
    expect(extractJsonStringField('{"a":"payload","payload":"good"}', 'payload')).toBe('good');
    expect(extractJsonStringField('{"\\"payload":"evil","payload":"good"}', 'payload')).toBe('good');
    expect(extractJsonStringField('{"mypayload":"evil","payload":"good"}', 'payload')).toBe('good');
  });

  it('returns undefined for missing members, non-string values and truncated text', () => {
    expect(extractJsonStringField('{"event":"stop"}', 'payload')).toBeUndefined();
    expect(extractJsonStringField('{"payload":12}', 'payload')).toBeUndefined();
    expect(extractJsonStringField('{"payload":null}', 'payload')).toBeUndefined();
    expect(extractJsonStringField('{"payload":"abc', 'payload')).toBeUndefined();
    expect(extractJsonStringField('', 'payload')).toBeUndefined();
  });
});

describe('quoteJsonString', () => {
  it('matches JSON.stringify for plain and escaped text', () => {
    for (const s of ['', 'MZ123', 'ab+/cd==', 'quote " here', 'back\\slash', 'new\nline', 'é', '\u0001']) {
      expect(quoteJsonString(s)).toBe(JSON.stringify(s));
    }
  });
});
