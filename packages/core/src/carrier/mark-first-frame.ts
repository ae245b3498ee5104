import { bytesForDuration } from '../audio/audio-format.js';
import type { CallTransport } from './call-transport.js';

/**
 * Sends `audio` with the mark `name` right after its first carrier frame (`frameMs`, 20 ms on
 * Twilio, Telnyx and the dev phone), so the mark's echo tells when the caller heard the start
 * of a reply. The split falls on the next frame boundary of the transport's timeline, so the
 * pacer pads nothing; audio that does not reach that boundary is sent whole with the mark after
 * it. Returns the mark's promise: true once the carrier played it, false when cleared or ended.
 */
export function sendMarkingFirstFrame(transport: CallTransport, audio: Uint8Array, name: string, frameMs = 20): Promise<boolean> {
  const frameBytes = bytesForDuration(transport.format, frameMs);
  const into = bytesForDuration(transport.format, transport.positionMs()) % frameBytes;
  const first = frameBytes - into;
  if (audio.byteLength <= first) {
    transport.sendAudio(audio);
    return transport.mark(name);
  }
  transport.sendAudio(audio.subarray(0, first));
  const played = transport.mark(name);
  transport.sendAudio(audio.subarray(first));
  return played;
}
