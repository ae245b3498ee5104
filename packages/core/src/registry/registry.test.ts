import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import type { STTProvider } from '../stt/stt-provider.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import { MULAW_8K, PCM16_16K } from '../audio/audio-format.js';
import { definePlugin } from './define-plugin.js';
import { Registry, registry } from './registry.js';

const fakeSTT = (options: Record<string, unknown>): STTProvider => ({
  key: 'fake_stt',
  inputFormats: [options.native === true ? MULAW_8K : PCM16_16K],
  stream: () => {
    throw new Error('not used');
  },
});
const fakeTTS = (): TTSProvider => ({
  key: 'fake_tts',
  outputFormats: [PCM16_16K],
  synthesize: async function* () {},
});

describe('Registry', () => {
  it('creates providers by kind and key from two registered plugins', () => {
    const r = new Registry();
    r.register(definePlugin({ name: '@acme/stt', providers: [{ kind: 'stt', key: 'fake_stt', create: fakeSTT, env: ['FAKE_KEY'] }] }));
    r.register(definePlugin({ name: '@acme/tts', providers: [{ kind: 'tts', key: 'fake_tts', create: fakeTTS }] }));

    const stt = r.create('stt', 'fake_stt', { native: true });
    expect(stt.key).toBe('fake_stt');
    expect(stt.inputFormats).toEqual([MULAW_8K]);
    expect(r.create('tts', 'fake_tts').outputFormats).toEqual([PCM16_16K]);
    expect(r.keys('stt')).toEqual(['fake_stt']);
    expect(r.describe('stt', 'fake_stt')?.env).toEqual(['FAKE_KEY']);
    expect(r.has('tts', 'fake_stt')).toBe(false);
  });

  it('names the package to install for a known but unregistered key', () => {
    const r = new Registry();
    const error = (() => {
      try {
        r.create('stt', 'deepgram');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('stt');
    expect((error as Error).message).toContain('@patter/deepgram');
  });

  it('lists the registered keys when an unknown key is asked for', () => {
    const r = new Registry();
    r.register(definePlugin({ name: '@acme/tts', providers: [{ kind: 'tts', key: 'fake_tts', create: fakeTTS }] }));
    expect(() => r.create('tts', 'nope')).toThrow(/unknown tts provider "nope".*registered tts keys: fake_tts/);
  });

  it('ignores a second registration of the same plugin and lets a later plugin override a key', () => {
    const r = new Registry();
    const plugin = definePlugin({ name: '@acme/tts', providers: [{ kind: 'tts', key: 'fake_tts', create: fakeTTS }] });
    r.register(plugin);
    r.register(plugin);
    const override = (): TTSProvider => ({ ...fakeTTS(), key: 'override' });
    r.register(definePlugin({ name: '@other/tts', providers: [{ kind: 'tts', key: 'fake_tts', create: override }] }));
    expect(r.create('tts', 'fake_tts').key).toBe('override');
    expect(r.describe('tts', 'fake_tts')?.plugin).toBe('@other/tts');
  });

  it('keeps one process-wide registry on globalThis', () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('patter.registry')]).toBe(registry);
  });
});
