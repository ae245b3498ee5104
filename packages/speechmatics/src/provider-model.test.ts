import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Speechmatics STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('enhanced');
    expect(STT({ apiKey: 'test-key', model: 'standard' }).model).toBe('standard');
  });
});
