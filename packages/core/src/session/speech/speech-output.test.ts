import { describe, expect, it } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import { silentLogger } from '../../log/logger.js';
import type { TTSProvider, TTSSynthesizeOptions } from '../../tts/tts-provider.js';
import { SpeechOutput } from './speech-output.js';
import { FakeTransport, until } from '../testing-fakes.js';
import { UsageMeter } from '../usage/usage-meter.js';

/** A TTS whose requests each wait for `release(text)` before their second chunk. */
function gatedTTS() {
  const requested: string[] = [];
  const gates = new Map<string, () => void>();
  const tts: TTSProvider = {
    key: 'gated',
    outputFormats: [MULAW_8K],
    synthesize(text: string, options: TTSSynthesizeOptions = {}) {
      requested.push(text);
      const byte = text.charCodeAt(0);
      return (async function* () {
        yield new Uint8Array(80).fill(byte);
        await new Promise<void>((resolve) => {
          gates.set(text, resolve);
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        if (options.signal?.aborted) return;
        yield new Uint8Array(80).fill(byte);
      })();
    },
  };
  const release = async (text: string): Promise<void> => {
    await until(() => gates.has(text));
    gates.get(text)?.();
  };
  return { tts, requested, release };
}

describe('SpeechOutput', () => {
  it('requests the next sentence while the current one streams (one ahead), and sends audio in order', async () => {
    const transport = new FakeTransport();
    const { tts, requested, release } = gatedTTS();
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    utterance.say('Alpha.');
    utterance.say('Bravo.');
    utterance.say('Charlie.');
    await until(() => requested.length === 2);
    expect(requested).toEqual(['Alpha.', 'Bravo.']); // Charlie waits: one sentence of lookahead
    await release('Bravo.');
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.audio.map((a) => String.fromCharCode(a[0] as number))).toEqual(['A']); // Bravo's audio waits for Alpha
    await release('Alpha.');
    await until(() => requested.length === 3);
    await release('Charlie.');
    await utterance.finish();
    expect(transport.audio.map((a) => String.fromCharCode(a[0] as number))).toEqual(['A', 'A', 'B', 'B', 'C', 'C']);
    expect(transport.commands.filter((c) => c.type === 'mark')).toHaveLength(3);
    expect(utterance.sentText()).toBe('Alpha. Bravo. Charlie.');
  });

  it('hands each TTS chunk to the transport before the vendor stream is asked for the next (no queue hop per chunk)', async () => {
    const transport = new FakeTransport();
    const sentWhenResumed: number[] = [];
    const tts: TTSProvider = {
      key: 'counting',
      outputFormats: [MULAW_8K],
      synthesize: () =>
        (async function* () {
          for (let i = 0; i < 5; i++) {
            yield new Uint8Array(160).fill(i);
            sentWhenResumed.push(transport.audio.length);
          }
        })(),
    };
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const utterance = speech.start(new AbortController().signal);
    utterance.say('Hello.');
    await utterance.finish();
    expect(sentWhenResumed).toEqual([1, 2, 3, 4, 5]);
    expect(transport.audio.map((a) => a[0])).toEqual([0, 1, 2, 3, 4]);
    expect(transport.commands.filter((c) => c.type === 'mark')).toHaveLength(1);
  });

  it('an abort stops the prefetched requests too', async () => {
    const transport = new FakeTransport();
    const { tts, requested } = gatedTTS();
    const speech = new SpeechOutput({ tts, transport, logger: silentLogger, usage: new UsageMeter(), callId: () => 'CA1' });
    const controller = new AbortController();
    const utterance = speech.start(controller.signal);
    utterance.say('One.');
    utterance.say('Two.');
    await until(() => requested.length === 2 && transport.audio.length === 1);
    controller.abort();
    await utterance.finish();
    await speech.idle();
    expect(speech.speaking).toBe(true); // audio still queued at the carrier until cleared
    speech.clear();
    expect(speech.speaking).toBe(false);
    expect(transport.audio).toHaveLength(1);
  });
});
