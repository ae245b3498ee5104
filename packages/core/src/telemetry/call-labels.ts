import type { Attributes } from '@opentelemetry/api';
import type { AgentOptions } from '../agent/agent-options.js';

/** The bounded labels of one call: carrier, mode and each provider's key and model. */
export interface CallLabels {
  readonly carrier: string;
  readonly mode: 'pipeline' | 'engine' | 'text';
  /** `patter.stt.provider`, `patter.stt.model` … for the providers the agent uses. */
  readonly providers: Attributes;
  /** Provider key → its kind (`stt`, `tts`, `llm`, `engine`) and model. */
  readonly byKey: ReadonlyMap<string, { readonly kind: string; readonly model: string | undefined }>;
}

/** The model a provider reports, if it does (`model` is optional outside LLMs). */
function modelOf(provider: object): string | undefined {
  const model = (provider as { model?: unknown }).model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}

export function callLabels(agent: AgentOptions, carrier: string, textMode: boolean): CallLabels {
  const providers: Record<string, string> = {};
  const byKey = new Map<string, { kind: string; model: string | undefined }>();
  const add = (kind: string, provider: { readonly key: string } | undefined): void => {
    if (!provider) return;
    const model = modelOf(provider);
    providers[`patter.${kind}.provider`] = provider.key;
    if (model !== undefined) providers[`patter.${kind}.model`] = model;
    byKey.set(provider.key, { kind, model });
  };
  if (agent.engine) {
    add('engine', agent.engine);
  } else {
    add('stt', agent.stt);
    if (agent.onMessage === undefined) add('llm', agent.llm);
    add('tts', agent.tts);
  }
  const mode = agent.engine ? 'engine' : textMode ? 'text' : 'pipeline';
  return { carrier, mode, providers, byKey };
}
