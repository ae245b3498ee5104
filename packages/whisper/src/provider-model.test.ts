import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Whisper STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('whisper-1');
    expect(STT({ apiKey: 'test-key', model: 'whisper-large-v3' }).model).toBe('whisper-large-v3');
  });
});
