import { describe, expect, it } from 'vitest';
import { RestTTS, TTS } from './index.js';

// `model` labels the provider's metrics and spans (`patter.stt.model` / `patter.tts.model`).
describe('the model the provider reports', () => {
  it('ElevenLabs WebSocket TTS: the default model, or the one given', () => {
    expect(TTS({ apiKey: 'test-key' }).model).toBe('eleven_flash_v2_5');
    expect(TTS({ apiKey: 'test-key', model: 'eleven_turbo_v2_5' }).model).toBe('eleven_turbo_v2_5');
  });
  it('ElevenLabs REST TTS: the default model, or the one given', () => {
    expect(RestTTS({ apiKey: 'test-key' }).model).toBe('eleven_flash_v2_5');
    expect(RestTTS({ apiKey: 'test-key', model: 'eleven_multilingual_v2' }).model).toBe('eleven_multilingual_v2');
  });
});
