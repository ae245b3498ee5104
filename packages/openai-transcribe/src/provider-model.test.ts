import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('OpenAI transcribe STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('gpt-4o-transcribe');
    expect(STT({ apiKey: 'test-key', model: 'gpt-4o-mini-transcribe' }).model).toBe('gpt-4o-mini-transcribe');
  });
});
