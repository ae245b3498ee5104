import {
  PCM16_16K,
  type AudioFormat,
  type TTSInputStream,
  type TTSProvider,
  type TTSSynthesizeOptions,
} from '@patter/core';
import { delay, isAbortError } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { describeTTSConformance } from '../vitest/describe-tts-conformance.js';
import { distinctAudio } from './check-helpers.js';
import { runConformanceChecks } from './conformance-check.js';
import { ttsConformanceChecks, DEFAULT_TTS_TEXTS, type TTSConformanceHarness } from './tts-conformance.js';

type Flaw =
  | 'splitsSamples'
  | 'ignoresAbort'
  | 'dropsLastChunk'
  | 'brokenAfterAbort'
  | 'crossTalk'
  | 'lateAbort'
  | 'streamLosesSecondWord'
  | 'streamIgnoresClose';

const audioFor = (text: string, format: AudioFormat): Uint8Array =>
  distinctAudio(format, text.length * 10, [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));

class MemoryTTS implements TTSProvider {
  readonly key = 'memory';
  readonly outputFormats = [PCM16_16K];
  private aborted = false;
  private lastText = '';
  constructor(private readonly flaw?: Flaw) {}

  stream(options: TTSSynthesizeOptions = {}): TTSInputStream {
    let text = '';
    let pushes = 0;
    let endInput: () => void = () => undefined;
    const inputEnded = new Promise<void>((resolve) => (endInput = resolve));
    const controller = new AbortController();
    const self = this;
    return {
      pushText: (delta) => {
        if (!(this.flaw === 'streamLosesSecondWord' && pushes++ === 1)) text += delta;
      },
      endInput,
      async *audio() {
        await inputEnded;
        const signal = self.flaw === 'streamIgnoresClose' ? undefined : controller.signal;
        yield* self.synthesize(text, { ...options, ...(signal ? { signal } : {}) });
      },
      close: async () => controller.abort(),
    };
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncIterable<Uint8Array> {
    if (this.flaw === 'brokenAfterAbort' && this.aborted) return;
    const signal = this.flaw === 'ignoresAbort' ? undefined : options.signal;
    if (signal?.aborted) return;
    this.lastText = text;
    const long = text === DEFAULT_TTS_TEXTS.longText;
    const audio = audioFor(text, options.format ?? PCM16_16K);
    const step = this.flaw === 'splitsSamples' ? 321 : 320;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < audio.byteLength; at += step) chunks.push(audio.subarray(at, at + step));
    if (this.flaw === 'dropsLastChunk') chunks.pop();
    try {
      for (const chunk of chunks) {
        if (this.flaw === 'lateAbort') {
          await delay(long ? 5 : 0);
          if (signal?.aborted) return;
        } else await delay(long ? 5 : 0, signal);
        yield this.flaw === 'crossTalk' ? audioFor(this.lastText, PCM16_16K).subarray(0, chunk.byteLength) : chunk;
      }
    } catch (error) {
      if (!isAbortError(error)) throw error;
      this.aborted = true;
    }
  }
}

const harnessFor = (flaw?: Flaw): TTSConformanceHarness => ({
  name: `MemoryTTS${flaw ? ` (${flaw})` : ''}`,
  createProvider: () => new MemoryTTS(flaw),
  expectedAudio: audioFor,
  streamInput: true,
  timeoutMs: 1_000,
});

async function failedChecks(flaw: Flaw): Promise<string[]> {
  const results = await runConformanceChecks(ttsConformanceChecks(harnessFor(flaw)));
  return results.filter((r) => !r.passed).map((r) => r.name);
}

describe('TTS conformance checks', () => {
  it('pass for a correct provider', async () => {
    const results = await runConformanceChecks(ttsConformanceChecks(harnessFor()));
    expect(results.map((r) => [r.name, r.passed ? '' : String(r.error)])).toEqual(results.map((r) => [r.name, '']));
    expect(results).toHaveLength(7);
  });

  it('fail when chunks split samples or lose audio', async () => {
    expect(await failedChecks('splitsSamples')).toContain('yields whole samples whose concatenation equals the vendor audio');
    expect(await failedChecks('dropsLastChunk')).toContain('yields whole samples whose concatenation equals the vendor audio');
  });

  it('fail when abort is ignored or slow, or the provider breaks after an abort', async () => {
    const abortCheck = 'abort mid-stream ends iteration within one event-loop turn; nothing is emitted after';
    expect(await failedChecks('ignoresAbort')).toEqual(expect.arrayContaining([abortCheck, 'an already-aborted signal yields no audio']));
    expect(await failedChecks('lateAbort')).toContain(abortCheck);
    expect(await failedChecks('brokenAfterAbort')).toEqual(['the same provider synthesizes again after an abort']);
  });

  it('fail when streamed input loses text or close() does not stop the audio', async () => {
    expect(await failedChecks('streamLosesSecondWord')).toEqual([
      'stream(): text pushed word by word comes back as whole samples equal to the vendor audio',
    ]);
    expect(await failedChecks('streamIgnoresClose')).toEqual(['stream(): close() mid-stream ends the audio; nothing is emitted after']);
  });

  it('fail when concurrent syntheses share state', async () => {
    expect(await failedChecks('crossTalk')).toContain('two concurrent syntheses from one provider each get their own audio');
  });
});

describeTTSConformance(harnessFor());
