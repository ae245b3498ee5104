import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Soniox STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('stt-rt-v4');
    expect(STT({ apiKey: 'test-key', model: 'stt-rt-v5' }).model).toBe('stt-rt-v5');
  });
});
