import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { didYouMean } from './did-you-mean.js';
import { rejectUnknownOptions } from './reject-unknown-options.js';

const AGENT = ['systemPrompt', 'firstMessage', 'voice', 'language', 'tools', 'stt', 'tts', 'llm', 'allowInterruptions'];

describe('didYouMean', () => {
  it('finds typos, transpositions, case and snake_case spellings', () => {
    expect(didYouMean('sytemPrompt', AGENT)).toBe('systemPrompt');
    expect(didYouMean('systemPromtp', AGENT)).toBe('systemPrompt');
    expect(didYouMean('system_prompt', AGENT)).toBe('systemPrompt');
    expect(didYouMean('SYSTEMPROMPT', AGENT)).toBe('systemPrompt');
    expect(didYouMean('voise', AGENT)).toBe('voice');
    expect(didYouMean('sst', AGENT)).toBe('stt');
  });

  it('suggests nothing when no name is close', () => {
    expect(didYouMean('temperature', AGENT)).toBeUndefined();
    expect(didYouMean('xyz', AGENT)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });
});

describe('rejectUnknownOptions', () => {
  it('throws a ConfigError naming the unknown key and the one meant', () => {
    let error: unknown;
    try {
      rejectUnknownOptions({ voice: 'x', sytemPrompt: 'y' }, AGENT, 'agent option');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('sytemPrompt');
    expect((error as ConfigError).message).toBe('sytemPrompt: unknown agent option; did you mean systemPrompt?');
  });

  it('lists the known options when nothing is close, and ignores undefined values', () => {
    expect(() => rejectUnknownOptions({ temperature: 1 }, ['model', 'voice'])).toThrow('temperature: unknown option; known: model, voice');
    expect(() => rejectUnknownOptions({ temperature: undefined, voice: 'v' }, ['voice'])).not.toThrow();
  });
});
