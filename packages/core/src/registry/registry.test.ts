import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import type { Carrier } from '../carrier/carrier.js';
import type { Engine } from '../engine/engine.js';
import type { LLMProvider } from '../llm/llm-provider.js';
import type { STTProvider } from '../stt/stt-provider.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import { MULAW_8K, PCM16_16K } from '../audio/audio-format.js';
import { definePlugin } from './define-plugin.js';
import { Registry, createCarrier, createEngine, createLLM, createSTT, createTTS, createVAD, registry } from './registry.js';
import { EnergyVAD } from '../vad/energy-vad.js';

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

  it('an unregistered key says to install and import its plugin, naming no package core would have to know', () => {
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
    expect((error as Error).message).toMatch(/unknown stt provider "deepgram": no imported plugin registered it: install the plugin package/);
  });

  it('a key registered for another kind names the plugin package that registered it', () => {
    const r = new Registry();
    r.register(definePlugin({ name: '@acme/voice', providers: [{ kind: 'tts', key: 'acme', create: fakeTTS }] }));
    expect(() => r.create('stt', 'acme')).toThrow(/"acme" is a tts provider of @acme\/voice, not a stt provider/);
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

  it('createSTT/createTTS/createLLM/createEngine/createCarrier build what imported plugins registered', () => {
    const fakeLLM = (o: Record<string, unknown>): LLMProvider => ({ key: 'acme_llm', model: String(o.model), chat: async function* () {} });
    const fakeEngine = (): Engine => ({ key: 'acme_engine', connect: () => Promise.reject(new Error('not used')) });
    const fakeCarrier = (): Carrier =>
      ({ key: 'acme_carrier', mediaFormat: MULAW_8K, streamPath: '/acme/stream' }) as unknown as Carrier;
    // What two plugin packages do from their index.ts when imported.
    registry.register(
      definePlugin({
        name: '@acme/voice',
        providers: [
          { kind: 'stt', key: 'acme_stt', create: fakeSTT },
          { kind: 'tts', key: 'acme_tts', create: fakeTTS },
          { kind: 'llm', key: 'acme_llm', create: fakeLLM },
        ],
      }),
    );
    registry.register(
      definePlugin({
        name: '@acme/phone',
        providers: [
          { kind: 'engine', key: 'acme_engine', create: fakeEngine },
          { kind: 'carrier', key: 'acme_carrier', create: fakeCarrier },
        ],
      }),
    );
    expect(createSTT('acme_stt', { native: true }).inputFormats).toEqual([MULAW_8K]);
    expect(createTTS('acme_tts').outputFormats).toEqual([PCM16_16K]);
    expect(createLLM('acme_llm', { model: 'm-1' }).model).toBe('m-1');
    expect(createEngine('acme_engine').key).toBe('acme_engine');
    expect(createCarrier('acme_carrier').streamPath).toBe('/acme/stream');
    // Keys are per kind: an STT key is not a TTS.
    expect(() => createTTS('acme_stt')).toThrow(ConfigError);
    expect(() => createCarrier('acme_stt')).toThrow(/is a stt provider of @acme\/voice/);
  });

  it('accepts one bare provider registration, as DESIGN.md shows, idempotently', () => {
    const r = new Registry();
    const entry = { kind: 'stt', key: 'solo', create: fakeSTT, env: ['SOLO_API_KEY'] } as const;
    r.register(entry);
    r.register(entry);
    expect(r.keys('stt')).toEqual(['solo']);
    expect(r.describe('stt', 'solo')).toMatchObject({ plugin: 'stt:solo', env: ['SOLO_API_KEY'] });
    expect(r.create('stt', 'solo').key).toBe('fake_stt');
  });

  it('keeps one process-wide registry on globalThis', () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('patter.registry')]).toBe(registry);
  });

  it('a `vad` provider registers and is created by key like any provider', () => {
    registry.register(definePlugin({ name: '@acme/vad', providers: [{ kind: 'vad', key: 'acme_vad', create: (o) => new EnergyVAD(o) }] }));
    const vad = createVAD('acme_vad', { threshold: 0.5 });
    expect(vad.key).toBe('energy');
    expect(vad.create(MULAW_8K).push(new Uint8Array(160).fill(0x90))).toBe('none');
    expect(() => createVAD('acme_missing')).toThrow(/no imported plugin registered it/);
  });
});
