import { ConfigError, type AgentOptions, type Engine, type LLMProvider, type STTProvider, type TTSProvider } from '@patter/core';
import { describe, expect, it } from 'vitest';
import { createAgent, isAgent } from './agent.js';

const stt = { inputFormats: [], stream: () => ({}) } as unknown as STTProvider;
const llm = { chat: () => ({}) } as unknown as LLMProvider;
const tts = { outputFormats: [], synthesize: () => ({}) } as unknown as TTSProvider;
const engine = { connect: async () => ({}) } as unknown as Engine;

function optionOf(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    if (error instanceof ConfigError) return error.option;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('createAgent', () => {
  it('accepts engine mode and pipeline mode', () => {
    expect(createAgent({ engine, systemPrompt: 'hi' }).mode).toBe('engine');
    const pipeline = createAgent({ stt, llm, tts, variables: { name: 'Ada' } });
    expect(pipeline.mode).toBe('pipeline');
    expect(isAgent(pipeline)).toBe(true);
    expect(isAgent({ stt, llm, tts })).toBe(false);
    expect(Object.isFrozen(pipeline) && Object.isFrozen(pipeline.variables)).toBe(true);
    expect(createAgent({ stt, tts, onMessage: () => 'ok' }).mode).toBe('pipeline');
    expect(createAgent({ stt, tts, onMessage: 'https://agent.example.com/turn' }).mode).toBe('pipeline');
  });

  it('names the option that mixes engine with a pipeline provider', () => {
    expect(optionOf(() => createAgent({ engine, stt }))).toBe('stt');
    expect(optionOf(() => createAgent({ engine, tts }))).toBe('tts');
    expect(optionOf(() => createAgent({ engine, llm }))).toBe('llm');
    expect(() => createAgent({ engine, stt })).toThrow(/cannot be combined with engine/);
  });

  it('names what a pipeline is missing', () => {
    expect(optionOf(() => createAgent({ llm, tts }))).toBe('stt');
    expect(optionOf(() => createAgent({ stt, llm }))).toBe('tts');
    expect(optionOf(() => createAgent({ stt, tts }))).toBe('llm');
    expect(optionOf(() => createAgent({ stt, tts, llm, onMessage: () => 'x' }))).toBe('onMessage');
  });

  it('names options of the wrong type', () => {
    const bad = (options: Record<string, unknown>) => optionOf(() => createAgent({ stt, llm, tts, ...options } as AgentOptions));
    expect(bad({ systemPrompt: 42 })).toBe('systemPrompt');
    expect(bad({ firstMessage: {} })).toBe('firstMessage');
    // voice and language were accepted and never read: a voice belongs to the TTS/engine options now.
    expect(() => createAgent({ stt, llm, tts, voice: 'coral' } as AgentOptions)).toThrow(/voice: unknown agent option/);
    expect(() => createAgent({ stt, llm, tts, language: 'en' } as AgentOptions)).toThrow(/language: unknown agent option/);
    expect(bad({ variables: { n: 1 } })).toBe('variables');
    expect(bad({ variables: 'x' })).toBe('variables');
    expect(bad({ tools: {} })).toBe('tools');
    expect(bad({ tools: [{ name: 'bad name', description: '', parameters: {}, handler: () => 1 }] })).toBe('tools');
    expect(bad({ tools: [{ name: 'book', description: 'd', parameters: {} }] })).toBe('tools');
    const tool = { name: 'book', description: 'd', parameters: {}, handler: () => 1 };
    expect(bad({ tools: [tool, tool] })).toBe('tools');
    expect(bad({ allowInterruptions: 'yes' })).toBe('allowInterruptions');
    expect(bad({ maxCallDurationMs: 0 })).toBe('maxCallDurationMs');
    expect(bad({ interruptionMinMs: -1 })).toBe('interruptionMinMs');
    expect(bad({ transferAllowlist: ['0900123'] })).toBe('transferAllowlist');
    expect(bad({ onMessage: 'ftp://x' } as never)).toBe('onMessage');
    expect(bad({ stt: {} })).toBe('stt');
    expect(bad({ llm: 'gpt' })).toBe('llm');
    expect(bad({ tts: { speak() {} } })).toBe('tts');
    expect(optionOf(() => createAgent({ engine: {} as never }))).toBe('engine');
    expect(optionOf(() => createAgent(null as never))).toBe('agent');
  });

  it('refuses snake_case option names with the camelCase spelling', () => {
    expect(() => createAgent({ stt, llm, tts, system_prompt: 'x' } as AgentOptions)).toThrow(/did you mean systemPrompt/);
  });

  it('refuses a misspelt option, naming it and the option meant (the agent never runs without its prompt)', () => {
    const typo = (options: Record<string, unknown>) => () => createAgent({ stt, llm, tts, ...options } as AgentOptions);
    expect(optionOf(typo({ sytemPrompt: 'You are Ada' }))).toBe('sytemPrompt');
    expect(typo({ sytemPrompt: 'You are Ada' })).toThrow('sytemPrompt: unknown agent option; did you mean systemPrompt?');
    expect(typo({ firstMesage: 'Hi' })).toThrow(/did you mean firstMessage\?/);
    expect(typo({ allowInteruptions: false })).toThrow(/did you mean allowInterruptions\?/);
    expect(typo({ systemprompt: 'x' })).toThrow(/did you mean systemPrompt\?/);
    expect(typo({ temperature: 0.2 })).toThrow(/temperature: unknown agent option; known: .*systemPrompt/);
    expect(() => createAgent({ engine, instructions: 'x' } as AgentOptions)).toThrow(/instructions: unknown agent option/);
    // An agent built before can be spread into new options; undefined values are ignored.
    const agent = createAgent({ stt, llm, tts, systemPrompt: 'a' });
    expect(createAgent({ ...agent, systemPrompt: 'b', voice: undefined } as never).systemPrompt).toBe('b');
  });

  it('refuses an invalid tool JSON schema at construction, with the tool and the path', () => {
    const withParameters = (parameters: Record<string, unknown>) => () =>
      createAgent({ stt, llm, tts, tools: [{ name: 'book', description: 'Books a table', parameters, handler: () => 'ok' }] });
    const valid = {
      type: 'object',
      properties: { guests: { type: 'integer', minimum: 1 }, day: { type: 'string', enum: ['fri', 'sat'] }, notes: { type: ['string', 'null'] } },
      required: ['guests'],
      additionalProperties: false,
    };
    expect(withParameters(valid)).not.toThrow();
    expect(withParameters({})).not.toThrow(); // no arguments
    expect(optionOf(withParameters({ type: 'string' }))).toBe('tools');
    expect(withParameters({ type: 'string' })).toThrow(/tool "book": parameters.type must be "object"/);
    expect(withParameters({ guests: { type: 'integer' } })).toThrow(/tool "book": parameters has "guests" at the top/);
    expect(withParameters({ type: 'object', properties: { guests: { type: 'int' } } })).toThrow(
      /parameters.properties.guests.type "int" is not a JSON-schema type/,
    );
    expect(withParameters({ type: 'object', properties: { guests: { type: 'integer', required: true } } })).toThrow(
      /parameters.properties.guests.required must be an array of property names/,
    );
    expect(withParameters({ type: 'object', properties: { guests: { type: 'integer' } }, required: ['guest'] })).toThrow(
      /parameters.required names "guest", which is not in properties/,
    );
    expect(withParameters({ type: 'object', propertes: { guests: { type: 'integer' } } })).toThrow(
      /parameters.propertes is not a JSON-schema keyword; did you mean properties\?/,
    );
    expect(withParameters({ type: 'object', properties: { day: { type: 'string', enum: [] } } })).toThrow(/parameters.properties.day.enum must be a non-empty array/);
    expect(withParameters({ type: 'object', properties: { days: { type: 'array', items: { type: 'date' } } } })).toThrow(
      /parameters.properties.days.items.type "date"/,
    );
    expect(withParameters({ type: 'object', properties: 'guests' })).toThrow(/parameters.properties must be an object of schemas/);
    expect(withParameters({ type: 'object', anyOf: [] })).toThrow(/parameters.anyOf must be a non-empty array of schemas/);
  });

  it('accepts valid transfer allowlists and tools', () => {
    const agent = createAgent({
      stt,
      llm,
      tts,
      transferAllowlist: ['+15550001111', '+1555*', 'sip:desk@example.com'],
      tools: [
        { name: 'book_table', description: 'Books', parameters: { type: 'object' }, handler: () => 'ok' },
        { name: 'lookup', description: 'Looks up', parameters: {}, webhook: { url: 'https://x.example/tool' } },
      ],
    });
    expect(agent.tools?.map((tool) => tool.name)).toEqual(['book_table', 'lookup']);
  });
});
