import { describe, expect, it } from 'vitest';
import { TTS } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('OpenAI TTS: the default model, or the one given', () => {
    expect(TTS({ apiKey: 'test-key' }).model).toBe('tts-1');
    expect(TTS({ apiKey: 'test-key', model: 'gpt-4o-mini-tts' }).model).toBe('gpt-4o-mini-tts');
  });
});
