import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import type { LLMProvider } from '../llm/llm-provider.js';
import type { STTProvider } from '../stt/stt-provider.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import { EnergyVAD } from '../vad/energy-vad.js';
import type { AgentOptions } from './agent-options.js';
import { validateAgentOptions } from './validate-agent-options.js';

const stt = { inputFormats: [], stream: () => ({}) } as unknown as STTProvider;
const llm = { chat: () => ({}) } as unknown as LLMProvider;
const tts = { outputFormats: [], synthesize: () => ({}) } as unknown as TTSProvider;

/** The option a ConfigError names for these options added to a valid pipeline agent. */
function rejected(options: Record<string, unknown>): string {
  try {
    validateAgentOptions({ stt, llm, tts, ...options } as AgentOptions);
  } catch (error) {
    if (error instanceof ConfigError) return error.option;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('validateAgentOptions', () => {
  it('accepts every option with a valid value and returns the mode', () => {
    const full: AgentOptions = {
      stt, llm, tts,
      name: 'Luigi', systemPrompt: 'p', firstMessage: 'Hi', voicemailMessage: 'Call back',
      variables: { a: 'b' }, tools: [], allowInterruptions: true, interruptionMinMs: 0, transferAllowlist: ['+1555*'],
      maxCallDurationMs: 60_000, turnDetection: 'vad', endpointingMs: 500, vad: new EnergyVAD(), interruptionGraceMs: 0,
      guardrails: [(sentence) => sentence], hallucinationFilter: { suspectPhrases: ['you'], minSpeechMs: 200 },
      pricing: { acme: { perAudioMinute: 0.01 } }, holdAudio: true,
    };
    expect(validateAgentOptions(full)).toBe('pipeline');
    expect(validateAgentOptions({ llm })).toBe('text');
  });

  it('refuses voice and language, which no part of the call read (set the voice on the TTS or engine)', () => {
    expect(rejected({ voice: 'coral' })).toBe('voice');
    expect(rejected({ language: 'en' })).toBe('language');
  });

  it('checks the options the server used to skip: turn detection, VAD, grace, guardrails, filter, pricing', () => {
    expect(rejected({ turnDetection: 'silence' })).toBe('turnDetection');
    expect(rejected({ turnDetection: 'vad', endpointingMs: 0 })).toBe('endpointingMs');
    expect(rejected({ turnDetection: 'vad', endpointingMs: '700' })).toBe('endpointingMs');
    expect(rejected({ turnDetection: 'stt', endpointingMs: 700 })).toBe('endpointingMs');
    expect(rejected({ vad: { key: 'x' } })).toBe('vad');
    expect(rejected({ interruptionGraceMs: -1 })).toBe('interruptionGraceMs');
    expect(rejected({ guardrails: (s: string) => s })).toBe('guardrails');
    expect(rejected({ guardrails: ['no swearing'] })).toBe('guardrails');
    expect(rejected({ hallucinationFilter: 'on' })).toBe('hallucinationFilter');
    expect(rejected({ hallucinationFilter: { suspectPhrases: 'you' } })).toBe('hallucinationFilter');
    expect(rejected({ hallucinationFilter: { minSpeechMs: -5 } })).toBe('hallucinationFilter');
    expect(rejected({ hallucinationFilter: { minSpeechMS: 5 } })).toBe('minSpeechMS');
    expect(rejected({ pricing: [] })).toBe('pricing');
    expect(rejected({ pricing: { acme: 0.01 } })).toBe('pricing');
    expect(rejected({ pricing: { acme: { perAudioMinute: -1 } } })).toBe('pricing');
    expect(rejected({ pricing: { acme: { perMinute: 0.01 } } })).toBe('perMinute');
    expect(rejected({ holdAudio: 'yes' })).toBe('holdAudio');
  });

  it('a misspelt nested field says what was meant', () => {
    expect(() => validateAgentOptions({ stt, llm, tts, hallucinationFilter: { minSpeechMS: 5 } } as never)).toThrow(/did you mean minSpeechMs\?/);
    expect(() => validateAgentOptions({ stt, llm, tts, pricing: { acme: { perAudioMinutes: 1 } } } as never)).toThrow(/did you mean perAudioMinute\?/);
  });
});
