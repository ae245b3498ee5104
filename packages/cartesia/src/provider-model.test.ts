import { describe, expect, it } from 'vitest';
import { STT, TTS } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Cartesia STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('ink-whisper');
    expect(STT({ apiKey: 'test-key', model: 'ink-2' }).model).toBe('ink-2');
  });
  it('Cartesia TTS: the default model, or the one given', () => {
    expect(TTS({ apiKey: 'test-key' }).model).toBe('sonic-3');
    expect(TTS({ apiKey: 'test-key', model: 'sonic-3.5' }).model).toBe('sonic-3.5');
  });
});
