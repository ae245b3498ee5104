import { ALAW_8K, MULAW_8K, type AudioFormat } from '@patter/core';
import {
  extractJsonStringField,
  objectField,
  stringField,
  type MediaStreamCodec,
  type MediaStreamMessage,
} from '@patter/core/plugin';
import { decodeClientState } from './telnyx-client-state.js';

const FORMATS: Readonly<Record<string, AudioFormat>> = { PCMU: MULAW_8K, PCMA: ALAW_8K };

/** How the carrier starts a media frame (checked first; any other layout is still read). */
const MEDIA_PREFIX = '{"event":"media"';

/**
 * Telnyx media-streaming wire format: JSON text frames with `event`, top-level `stream_id`,
 * snake_case counters as strings; outbound frames carry no stream id.
 */
export class TelnyxMediaCodec implements MediaStreamCodec {
  decode(text: string): MediaStreamMessage {
    // Hot path, 50 frames/s per call: read a media frame's few string fields without JSON.parse.
    if (text.startsWith(MEDIA_PREFIX) || extractJsonStringField(text, 'event') === 'media') {
      const payload = extractJsonStringField(text, 'payload');
      if (payload !== undefined) {
        const chunk = extractJsonStringField(text, 'chunk');
        return {
          type: 'media',
          streamId: extractJsonStringField(text, 'stream_id'),
          track: extractJsonStringField(text, 'track'),
          chunk: chunk === undefined ? undefined : Number(chunk),
          payload,
        };
      }
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return { type: 'malformed', reason: 'invalid JSON' };
    }
    const event = stringField(message, 'event');
    if (event === undefined) return { type: 'malformed', reason: 'no event' };
    const streamId = stringField(message, 'stream_id');
    switch (event) {
      case 'media': {
        const media = objectField(message, 'media');
        const payload = stringField(media, 'payload');
        if (payload === undefined) return { type: 'malformed', reason: 'media without payload' };
        const chunk = stringField(media, 'chunk');
        return { type: 'media', streamId, track: stringField(media, 'track'), chunk: chunk === undefined ? undefined : Number(chunk), payload };
      }
      case 'mark': {
        const name = stringField(objectField(message, 'mark'), 'name');
        return name === undefined ? { type: 'malformed', reason: 'mark without name' } : { type: 'mark', streamId, name };
      }
      case 'dtmf': {
        const digit = stringField(objectField(message, 'dtmf'), 'digit');
        return digit === undefined ? { type: 'malformed', reason: 'dtmf without digit' } : { type: 'dtmf', streamId, digit };
      }
      case 'start': {
        const start = objectField(message, 'start');
        const callId = stringField(start, 'call_control_id');
        if (streamId === undefined || callId === undefined) return { type: 'malformed', reason: 'start without stream_id or call_control_id' };
        const mediaFormat = objectField(start, 'media_format');
        const encoding = stringField(mediaFormat, 'encoding');
        const format = encoding === undefined || mediaFormat?.sample_rate !== 8000 ? undefined : FORMATS[encoding];
        const state = decodeClientState(stringField(start, 'client_state'));
        return {
          type: 'start',
          streamId,
          callId,
          from: stringField(start, 'from'),
          to: stringField(start, 'to'),
          parameters: state,
          format,
        };
      }
      case 'stop':
        return { type: 'stop', streamId };
      case 'connected':
        return { type: 'connected' };
      case 'error': {
        const payload = objectField(message, 'payload');
        return { type: 'error', code: String(payload?.code ?? ''), detail: stringField(payload, 'detail') ?? stringField(payload, 'title') ?? '' };
      }
      default:
        return { type: 'unknown', event };
    }
  }

  encodeMedia(_streamId: string, payloadBase64: string): string {
    return `{"event":"media","media":{"payload":"${payloadBase64}"}}`;
  }

  encodeMark(_streamId: string, name: string): string {
    return `{"event":"mark","mark":{"name":${JSON.stringify(name)}}}`;
  }

  encodeClear(): string {
    return '{"event":"clear"}';
  }
}
