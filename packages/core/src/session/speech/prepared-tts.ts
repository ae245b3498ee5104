import { bytesForDuration, sameFormat } from '../../audio/audio-format.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../../tts/tts-provider.js';
import type { PreparedSpeech } from '../prepared-call.js';

/** The agent's TTS for one call, which answers a sentence prepared ahead with its audio, once. */
export interface PreparedTTS extends TTSProvider {
  /** The next `synthesize` of exactly `speech.text`, in `speech.format`, yields `speech.audio` (no request). */
  offer(speech: PreparedSpeech): void;
}

/**
 * Wraps `tts` so a greeting synthesized while the phone rang is played from its buffer: the
 * speech output asks for the sentence as usual and gets the prepared audio at once (billed for its
 * characters, as a request would be), in 100 ms slices that it reads as the playout has room. Anything else — or the same text in another format — goes to
 * the vendor.
 */
export function preparedTTS(tts: TTSProvider): PreparedTTS {
  let offered: PreparedSpeech | undefined;
  return {
    key: tts.key,
    outputFormats: tts.outputFormats,
    ...(tts.stream ? { stream: tts.stream.bind(tts) } : {}),
    ...(tts.warmup ? { warmup: tts.warmup.bind(tts) } : {}),
    ...(tts.close ? { close: tts.close.bind(tts) } : {}),
    offer(speech) {
      offered = speech;
    },
    synthesize(text: string, options: TTSSynthesizeOptions = {}) {
      const speech = offered;
      const format = options.format ?? tts.outputFormats[0];
      if (speech === undefined || speech.text !== text || format === undefined || !sameFormat(speech.format, format)) {
        return tts.synthesize(text, options);
      }
      offered = undefined;
      // In 100 ms slices (views, no copy), so the speech path's backpressure paces it like a stream.
      const slice = Math.max(1, bytesForDuration(speech.format, 100));
      return (async function* () {
        options.onUsage?.({ characters: text.length });
        for (let at = 0; at < speech.audio.length && options.signal?.aborted !== true; at += slice) {
          yield speech.audio.subarray(at, at + slice);
        }
      })();
    },
  };
}
