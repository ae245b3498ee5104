import { describe, expect, it } from 'vitest';
import { STT } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('Deepgram STT: the default model, or the one given', () => {
    expect(STT({ apiKey: 'test-key' }).model).toBe('nova-3');
    expect(STT({ apiKey: 'test-key', model: 'nova-3-medical' }).model).toBe('nova-3-medical');
  });
});
