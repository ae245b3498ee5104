import { ConfigError } from '../errors/config-error.js';

/**
 * How many `frameMs` frames one outbound media message carries, from a carrier's `messageMs`
 * option (a multiple of the frame, at most 200 ms so a message never holds much more than the
 * pacer's lead). Throws a ConfigError naming `messageMs` otherwise.
 */
export function framesPerMessage(messageMs: number, frameMs = 20): number {
  const frames = messageMs / frameMs;
  if (!Number.isInteger(frames) || frames < 1 || messageMs > 200) {
    throw new ConfigError('messageMs', `must be a multiple of ${frameMs} between ${frameMs} and 200`);
  }
  return frames;
}
