import { describe, expect, it } from 'vitest';
import { chooseCarrier, chooseMode } from './choose-mode.js';

describe('chooseMode', () => {
  it('runs text mode with no keys, the engine with OpenAI alone, the pipeline with Deepgram + ElevenLabs + an LLM', () => {
    expect(chooseMode({}).kind).toBe('text');
    expect(chooseMode({ OPENAI_API_KEY: 'k' }).kind).toBe('engine');
    expect(chooseMode({ OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'd', ELEVENLABS_API_KEY: 'e' })).toMatchObject({ kind: 'pipeline', llm: 'openai' });
    expect(chooseMode({ ANTHROPIC_API_KEY: 'a', DEEPGRAM_API_KEY: 'd', ELEVENLABS_API_KEY: 'e' })).toMatchObject({ kind: 'pipeline', llm: 'anthropic' });
    expect(chooseMode({ DEEPGRAM_API_KEY: 'd', ELEVENLABS_API_KEY: 'e' }).kind).toBe('text');
    expect(chooseMode({ OPENAI_API_KEY: '  ' }).kind).toBe('text');
  });

  it('says why it chose a mode', () => {
    expect(chooseMode({}).reason).toMatch(/no provider keys/);
    expect(chooseMode({ OPENAI_API_KEY: 'k' }).reason).toMatch(/OPENAI_API_KEY/);
  });
});

describe('chooseCarrier', () => {
  it('stays browser-only without carrier variables and needs PATTER_WEBHOOK_URL with them', () => {
    expect(chooseCarrier({}).kind).toBe('none');
    const twilio = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_PHONE_NUMBER: '+15550001234' };
    expect(() => chooseCarrier(twilio)).toThrow(/PATTER_WEBHOOK_URL is required/);
    expect(chooseCarrier({ ...twilio, PATTER_WEBHOOK_URL: 'https://x.ngrok.app' })).toEqual({
      kind: 'twilio',
      phoneNumber: '+15550001234',
      webhookUrl: 'https://x.ngrok.app',
    });
    expect(chooseCarrier({ TELNYX_API_KEY: 'k', TELNYX_PHONE_NUMBER: '+15550009999', PATTER_WEBHOOK_URL: 'https://y' }).kind).toBe('telnyx');
  });
});
