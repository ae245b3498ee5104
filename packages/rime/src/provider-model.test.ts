import { describe, expect, it } from 'vitest';
import { TTS } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Rime TTS: the default model, or the one given', () => {
    expect(TTS({ apiKey: 'test-key' }).model).toBe('coda');
    expect(TTS({ apiKey: 'test-key', model: 'mistv2' }).model).toBe('mistv2');
  });
});
