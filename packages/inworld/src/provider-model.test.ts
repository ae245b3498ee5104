import { describe, expect, it } from 'vitest';
import { TTS } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Inworld TTS: the default model, or the one given', () => {
    expect(TTS({ apiKey: 'test-key' }).model).toBe('inworld-tts-2');
    expect(TTS({ apiKey: 'test-key', model: 'inworld-tts-1.5-max' }).model).toBe('inworld-tts-1.5-max');
  });
});
