import { objectField, stringField, type MediaStreamCodec, type MediaStreamMessage } from '@patter/core/plugin';

/**
 * The dev phone's media-stream wire format: Twilio-shaped JSON text frames (`start`, `media`
 * with a base64 payload, `dtmf`, `mark`, `stop`; `media`, `mark`, `clear` (with `sentAt`) back), PCM16 16 kHz.
 * Frames the codec does not know (`text`, `hangup`) are the transport's own.
 */
export const devPhoneCodec: MediaStreamCodec = {
  decode(text: string): MediaStreamMessage {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return { type: 'malformed', reason: 'not JSON' };
    }
    const event = stringField(message, 'event');
    const streamId = stringField(message, 'streamId');
    switch (event) {
      case 'connected':
        return { type: 'connected' };
      case 'start': {
        const start = objectField(message, 'start') ?? {};
        const id = stringField(start, 'streamId');
        const callId = stringField(start, 'callId');
        if (!id || !callId) return { type: 'malformed', reason: 'start without streamId/callId' };
        return { type: 'start', streamId: id, callId, from: 'devphone', to: 'agent', parameters: {} };
      }
      case 'media': {
        const payload = stringField(objectField(message, 'media'), 'payload');
        if (payload === undefined) return { type: 'malformed', reason: 'media without payload' };
        return { type: 'media', streamId, track: undefined, chunk: undefined, payload };
      }
      case 'dtmf':
        return { type: 'dtmf', streamId, digit: stringField(objectField(message, 'dtmf'), 'digit') ?? '' };
      case 'mark':
        return { type: 'mark', streamId, name: stringField(objectField(message, 'mark'), 'name') ?? '' };
      case 'stop':
        return { type: 'stop', streamId };
      default:
        return { type: 'unknown', event: event ?? '' };
    }
  },
  encodeMedia: (streamId, payload) => '{"event":"media","streamId":' + JSON.stringify(streamId) + ',"media":{"payload":"' + payload + '"}}',
  encodeMark: (streamId, name) => JSON.stringify({ event: 'mark', streamId, mark: { name } }),
  // `sentAt` (the server's clock, epoch ms) lets the page time clear → silence from the server's
  // side too; the dev phone usually runs on the same machine as the server.
  encodeClear: (streamId) => JSON.stringify({ event: 'clear', streamId, sentAt: Date.now() }),
};
