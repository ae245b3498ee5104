import { bytesForDuration, type AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import { chooseFormat, createFrameConverter } from '../session/pipeline/audio-path.js';
import type { TTSProvider, TTSUsage } from './tts-provider.js';

export interface SynthesizeClipOptions {
  readonly signal: AbortSignal;
  /** The clip is cut here: at most this much audio is kept (ms). */
  readonly maxMs: number;
  readonly logger?: Logger;
  readonly callId?: string;
  readonly onUsage?: (usage: TTSUsage) => void;
}

/**
 * Synthesizes `text` into one buffer in `format` (the TTS is asked for `format` when it offers
 * it, else for the closest format it offers, converted). Bounded: audio past `maxMs` is dropped
 * and the request aborted. For short, known words spoken later (hold filler, a greeting
 * prepared while the phone rings).
 */
export async function synthesizeClip(tts: TTSProvider, text: string, format: AudioFormat, options: SynthesizeClipOptions): Promise<Uint8Array> {
  const ttsFormat = chooseFormat(tts.outputFormats, format, 'tts');
  const convert = createFrameConverter(ttsFormat, format);
  const max = bytesForDuration(format, options.maxMs);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    const stream = tts.synthesize(text, {
      format: ttsFormat,
      signal: controller.signal,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.callId === undefined ? {} : { callId: options.callId }),
      ...(options.onUsage ? { onUsage: options.onUsage } : {}),
    });
    for await (const chunk of stream) {
      const frame = convert ? convert(chunk) : chunk;
      const room = max - length;
      chunks.push(frame.length > room ? frame.subarray(0, room) : frame);
      length += Math.min(room, frame.length);
      if (length >= max) {
        controller.abort();
        break;
      }
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  const clip = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    clip.set(chunk, at);
    at += chunk.length;
  }
  return clip;
}
