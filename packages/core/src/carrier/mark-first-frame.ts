import { bytesForDuration } from '../audio/audio-format.js';
import type { CallTransport } from './call-transport.js';

/**
 * Sends `audio` with the mark `name` right after its first carrier frame (`frameMs`, 20 ms on
 * Twilio, Telnyx and the dev phone), so the mark's echo tells when the caller heard the start
 * of a reply. The split falls on a frame boundary, so the pacer pads nothing; audio of one
 * frame or less is sent whole with the mark after it.
 */
export function sendMarkingFirstFrame(transport: CallTransport, audio: Uint8Array, name: string, frameMs = 20): void {
  const frameBytes = bytesForDuration(transport.format, frameMs);
  if (audio.byteLength <= frameBytes) {
    transport.sendAudio(audio);
    transport.mark(name);
    return;
  }
  transport.sendAudio(audio.subarray(0, frameBytes));
  transport.mark(name);
  transport.sendAudio(audio.subarray(frameBytes));
}
