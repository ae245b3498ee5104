import { ConfigError } from '../errors/config-error.js';
import type { ProviderPrice } from '../registry/provider-price.js';
import { resolveHoldAudio } from '../session/speech/hold-audio-options.js';
import { toolJsonSchema } from '../tools/validate-arguments.js';
import type { Tool } from '../tools/tool.js';
import { rejectUnknownOptions } from '../util/reject-unknown-options.js';
import { AGENT_OPTION_KEYS } from './agent-option-keys.js';
import type { AgentOptions } from './agent-options.js';
import { checkToolSchema } from './check-tool-schema.js';

/** How an agent talks: a speech-to-speech `engine`, an STT + LLM + TTS `pipeline`, or `text` only. */
export type AgentMode = 'engine' | 'pipeline' | 'text';

const STRING_OPTIONS = ['name', 'systemPrompt', 'firstMessage', 'voicemailMessage'] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TRANSFER_TARGET = /^(\+[1-9]\d{1,14}\*?|\+?\*|\+[1-9]\d{0,14}\*|sips?:.+)$/;
const FILTER_PHRASES = ['suspectPhrases', 'outroPhrases'] as const;
const FILTER_NUMBERS = ['minSpeechMs', 'silenceRms', 'noSpeechThreshold', 'duplicateWindowMs', 'maxWordsPerSecond'] as const;
const PRICE_FIELDS: ReadonlySet<string> = new Set<keyof ProviderPrice>([
  'perAudioMinute', 'perThousandCharacters', 'perMillionInputTokens', 'perMillionOutputTokens',
  'perMillionCachedInputTokens', 'perMillionInputAudioTokens', 'perMillionOutputAudioTokens', 'perCallMinute',
]);

/**
 * Checks every field of agent options and returns the agent's mode. Every mistake throws
 * `ConfigError` naming the option: `engine` mixed with pipeline providers, a pipeline missing
 * `stt`/`tts`/`llm`, wrong types or ranges, an invalid tool schema. An unknown option is refused
 * with the one probably meant (`sytemPrompt` → `systemPrompt`, `system_prompt` → `systemPrompt`).
 */
export function validateAgentOptions(options: AgentOptions): AgentMode {
  if (typeof options !== 'object' || options === null) throw new ConfigError('agent', 'expected an options object');
  // `mode` is what an agent built before carries (spreading one into new options is fine).
  const { mode: _previousMode, ...given } = options as AgentOptions & { mode?: unknown };
  rejectUnknownOptions(given, AGENT_OPTION_KEYS, 'agent option');
  const mode: AgentMode =
    options.engine !== undefined ? 'engine' : options.stt === undefined && options.tts === undefined ? 'text' : 'pipeline';
  if (mode === 'engine') checkEngine(options);
  else if (mode === 'text') checkReplies(options);
  else checkPipeline(options);
  for (const key of STRING_OPTIONS) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'string') throw new ConfigError(key, `expected a string, got ${typeName(value)}`);
  }
  checkVariables(options.variables);
  checkTools(options.tools);
  checkBoolean('allowInterruptions', options.allowInterruptions);
  checkDuration('interruptionMinMs', options.interruptionMinMs, true);
  checkDuration('maxCallDurationMs', options.maxCallDurationMs, false);
  checkAllowlist(options.transferAllowlist);
  checkTurnDetection(options);
  checkDuration('interruptionGraceMs', options.interruptionGraceMs, true);
  if (options.vad !== undefined && !hasMethod(options.vad, 'create')) {
    throw new ConfigError('vad', 'expected a VADProvider (an object with create())');
  }
  checkGuardrails(options.guardrails);
  checkHallucinationFilter(options.hallucinationFilter);
  checkPricing(options.pricing);
  resolveHoldAudio(options.holdAudio, options.tts !== undefined);
  return mode;
}

function checkEngine(options: AgentOptions): void {
  if (!hasMethod(options.engine, 'connect')) throw new ConfigError('engine', 'expected an Engine (an object with connect())');
  for (const key of ['stt', 'llm', 'tts', 'onMessage'] as const) {
    if (options[key] !== undefined) {
      throw new ConfigError(key, 'cannot be combined with engine: pass either engine, or stt + llm (or onMessage) + tts');
    }
  }
}

function checkPipeline(options: AgentOptions): void {
  if (options.stt === undefined) throw new ConfigError('stt', 'required in pipeline mode (or pass engine for speech-to-speech)');
  if (!hasMethod(options.stt, 'stream')) throw new ConfigError('stt', 'expected an STTProvider (an object with stream())');
  checkReplies(options);
  if (options.tts === undefined) throw new ConfigError('tts', 'required in pipeline mode (or pass engine for speech-to-speech)');
  if (!hasMethod(options.tts, 'synthesize')) throw new ConfigError('tts', 'expected a TTSProvider (an object with synthesize())');
}

/** What produces the replies: an LLM or `onMessage`, never both. Text agents need only this. */
function checkReplies(options: AgentOptions): void {
  if (options.llm !== undefined && options.onMessage !== undefined) {
    throw new ConfigError('onMessage', 'replaces the llm: pass llm or onMessage, not both');
  }
  if (options.llm === undefined && options.onMessage === undefined) {
    throw new ConfigError('llm', 'required in pipeline mode: pass llm, or onMessage to produce the replies yourself');
  }
  if (options.llm !== undefined && !hasMethod(options.llm, 'chat')) throw new ConfigError('llm', 'expected an LLMProvider (an object with chat())');
  if (options.onMessage !== undefined) checkOnMessage(options.onMessage);
}

function checkOnMessage(value: unknown): void {
  if (typeof value === 'function') return;
  if (typeof value === 'string') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError('onMessage', 'expected a function or an http(s)/ws(s) URL');
    }
    if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return;
  }
  throw new ConfigError('onMessage', 'expected a function or an http(s)/ws(s) URL');
}

function checkVariables(value: unknown): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) throw new ConfigError('variables', 'expected an object of strings');
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new ConfigError('variables', `variable "${name}" must be a string, got ${typeName(entry)}`);
  }
}

function checkTools(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ConfigError('tools', 'expected an array of tools');
  const names = new Set<string>();
  value.forEach((tool: Tool, index) => {
    if (!isPlainObject(tool)) throw new ConfigError('tools', `tools[${index}] is not a tool object`);
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      throw new ConfigError('tools', `tools[${index}].name must match ${TOOL_NAME.source}`);
    }
    if (names.has(tool.name)) throw new ConfigError('tools', `duplicate tool name "${tool.name}"`);
    names.add(tool.name);
    if (typeof tool.description !== 'string') throw new ConfigError('tools', `tool "${tool.name}" needs a description`);
    if (typeof tool.parameters !== 'object' || tool.parameters === null) {
      throw new ConfigError('tools', `tool "${tool.name}" needs a parameters schema`);
    }
    // A Standard Schema (zod …) must describe itself as JSON schema; a JSON schema must be valid.
    if ('~standard' in tool.parameters) toolJsonSchema(tool.name, tool.parameters);
    else checkToolSchema(tool.name, tool.parameters);
    const hasHandler = 'handler' in tool && typeof tool.handler === 'function';
    const hasWebhook = 'webhook' in tool && isPlainObject(tool.webhook) && typeof tool.webhook.url === 'string';
    if (hasHandler === hasWebhook) {
      throw new ConfigError('tools', `tool "${tool.name}" needs exactly one of handler (a function) or webhook.url`);
    }
  });
}

function checkTurnDetection(options: AgentOptions): void {
  const { turnDetection, endpointingMs } = options;
  if (turnDetection !== undefined && turnDetection !== 'stt' && turnDetection !== 'vad') {
    throw new ConfigError('turnDetection', `expected 'stt' or 'vad', got ${JSON.stringify(turnDetection)}`);
  }
  checkDuration('endpointingMs', endpointingMs, false);
  if (endpointingMs !== undefined && turnDetection === 'stt') {
    throw new ConfigError('endpointingMs', "applies to turnDetection: 'vad' only (the STT decides when the turn ends with 'stt')");
  }
}

function checkGuardrails(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ConfigError('guardrails', 'expected an array of functions');
  value.forEach((guardrail, index) => {
    if (typeof guardrail !== 'function') throw new ConfigError('guardrails', `guardrails[${index}] must be a function, got ${typeName(guardrail)}`);
  });
}

function checkHallucinationFilter(value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (!isPlainObject(value)) throw new ConfigError('hallucinationFilter', 'expected true, false or an options object');
  rejectUnknownOptions(value, [...FILTER_PHRASES, ...FILTER_NUMBERS], 'hallucinationFilter option');
  for (const key of FILTER_PHRASES) {
    const phrases = value[key];
    if (phrases !== undefined && (!Array.isArray(phrases) || phrases.some((p) => typeof p !== 'string'))) {
      throw new ConfigError('hallucinationFilter', `${key} must be an array of strings`);
    }
  }
  for (const key of FILTER_NUMBERS) {
    const number = value[key];
    if (number !== undefined && (typeof number !== 'number' || !Number.isFinite(number) || number < 0)) {
      throw new ConfigError('hallucinationFilter', `${key} must be a non-negative number`);
    }
  }
}

function checkPricing(value: unknown): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) throw new ConfigError('pricing', 'expected an object of prices by provider key');
  for (const [key, price] of Object.entries(value)) {
    if (!isPlainObject(price)) throw new ConfigError('pricing', `pricing["${key}"] must be an object of unit prices`);
    rejectUnknownOptions(price, PRICE_FIELDS, `pricing["${key}"] field`);
    for (const [field, amount] of Object.entries(price)) {
      if (amount !== undefined && (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)) {
        throw new ConfigError('pricing', `pricing["${key}"].${field} must be a non-negative number (USD)`);
      }
    }
  }
}

function checkBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new ConfigError(option, `expected a boolean, got ${typeName(value)}`);
}

function checkDuration(option: string, value: unknown, allowZero: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(option, `expected a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds`);
  }
}

function checkAllowlist(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ConfigError('transferAllowlist', 'expected an array of numbers or prefixes');
  for (const entry of value) {
    if (typeof entry !== 'string' || !TRANSFER_TARGET.test(entry)) {
      throw new ConfigError('transferAllowlist', `"${String(entry)}" is not an E.164 number, a prefix ending in *, or a sip: URI`);
    }
  }
}

function hasMethod(value: unknown, method: string): boolean {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
