import { PCM16_24K, type Engine, type EngineConnectOptions, type EngineSession } from '@patter/core';
import { connectRealtime } from './connect-realtime.js';
import {
  REALTIME_VOICES,
  resolveRealtimeOptions,
  type OpenAIRealtimeOptions,
  type ResolvedRealtimeOptions,
} from './realtime-options.js';

/**
 * OpenAI Realtime speech-to-speech engine (default model `gpt-realtime-mini`).
 *
 * Speaks the GA wire shape (OpenAI refuses the beta one) and always negotiates PCM16 24 kHz
 * with OpenAI: the call session converts to and from the carrier's μ-law 8 kHz with filtered,
 * stateful resampling. Nothing to configure per carrier.
 *
 * @example
 * const agent = phone.agent({ engine: new OpenAIRealtime({ voice: 'coral' }), systemPrompt: '…' });
 */
export class OpenAIRealtime implements Engine {
  readonly key: string = 'openai_realtime';
  /** A dropped session is reconnected with the conversation so far (`conversation.item.create`). */
  readonly resumable = true;
  protected readonly options: ResolvedRealtimeOptions;

  constructor(options: OpenAIRealtimeOptions = {}) {
    this.options = resolveRealtimeOptions(options, { model: 'gpt-realtime-mini', voices: REALTIME_VOICES });
  }

  get model(): string {
    return this.options.model;
  }

  connect(options: EngineConnectOptions): Promise<EngineSession> {
    return connectRealtime(this.options, { input: PCM16_24K, output: PCM16_24K }, options);
  }
}
