import { MULAW_8K } from '@patter/core';
import {
  extractJsonStringField,
  objectField,
  stringField,
  stringRecord,
  type MediaStreamCodec,
  type MediaStreamMessage,
} from '@patter/core/plugin';

/** How the carrier starts a media frame (checked first; any other layout is still read). */
const MEDIA_PREFIX = '{"event":"media"';

/**
 * Twilio Media Streams wire format (JSON text frames, `event` discriminator, μ-law 8 kHz base64).
 * Media frames are read by field extraction (no JSON.parse); other frames are parsed once.
 * Outbound frames are built from cached string pieces.
 */
export class TwilioMediaCodec implements MediaStreamCodec {
  private sid = '';
  private mediaHead = '';
  private sidJson = '';

  decode(text: string): MediaStreamMessage {
    // Hot path, 50 frames/s per call: read a media frame's few string fields without JSON.parse.
    if (text.startsWith(MEDIA_PREFIX) || extractJsonStringField(text, 'event') === 'media') {
      const payload = extractJsonStringField(text, 'payload');
      if (payload !== undefined) {
        const chunk = extractJsonStringField(text, 'chunk');
        return {
          type: 'media',
          streamId: extractJsonStringField(text, 'streamSid'),
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
    const streamId = stringField(message, 'streamSid');
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
        const sid = streamId ?? stringField(start, 'streamSid');
        const callId = stringField(start, 'callSid');
        if (sid === undefined || callId === undefined) return { type: 'malformed', reason: 'start without streamSid or callSid' };
        const parameters = stringRecord(objectField(start, 'customParameters'));
        const format = objectField(start, 'mediaFormat');
        return {
          type: 'start',
          streamId: sid,
          callId,
          from: parameters.from,
          to: parameters.to,
          parameters,
          format: stringField(format, 'encoding') === 'audio/x-mulaw' && format?.sampleRate === 8000 ? MULAW_8K : undefined,
        };
      }
      case 'stop':
        return { type: 'stop', streamId };
      case 'connected':
        return { type: 'connected' };
      default:
        return { type: 'unknown', event };
    }
  }

  encodeMedia(streamId: string, payloadBase64: string): string {
    if (streamId !== this.sid) this.cache(streamId);
    return `${this.mediaHead}${payloadBase64}"}}`;
  }

  encodeMark(streamId: string, name: string): string {
    if (streamId !== this.sid) this.cache(streamId);
    return `{"event":"mark","streamSid":${this.sidJson},"mark":{"name":${JSON.stringify(name)}}}`;
  }

  encodeClear(streamId: string): string {
    if (streamId !== this.sid) this.cache(streamId);
    return `{"event":"clear","streamSid":${this.sidJson}}`;
  }

  private cache(streamId: string): void {
    this.sid = streamId;
    this.sidJson = JSON.stringify(streamId);
    this.mediaHead = `{"event":"media","streamSid":${this.sidJson},"media":{"payload":"`;
  }
}
