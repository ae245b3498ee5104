import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('AssemblyAI STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('universal-streaming-english');
    expect(STT({ apiKey: 'test-key', model: 'u3-rt-pro' }).model).toBe('u3-rt-pro');
  });
});
