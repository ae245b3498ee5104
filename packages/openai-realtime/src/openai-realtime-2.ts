import { PCM16_24K, type AudioFormat, type Engine, type EngineConnectOptions, type EngineSession } from '@patter/core';
import { connectRealtime } from './connect-realtime.js';
import {
  REALTIME_2_VOICES,
  resolveRealtimeOptions,
  type OpenAIRealtimeOptions,
  type ResolvedRealtimeOptions,
} from './realtime-options.js';

/**
 * OpenAI Realtime on the GA models (default `gpt-realtime-2`, reasoning-capable).
 *
 * Asks OpenAI for the carrier's own G.711 format when the carrier streams G.711 (no
 * transcoding at all), PCM16 24 kHz otherwise, and converts from whatever the server reports
 * in `session.updated` (GA models have been seen answering PCM16 24 kHz when G.711 was asked).
 *
 * @example
 * const engine = new OpenAIRealtime2({ voice: 'marin', reasoningEffort: 'low' });
 */
export class OpenAIRealtime2 implements Engine {
  readonly key: string = 'openai_realtime_2';
  /** A dropped session is reconnected with the conversation so far (`conversation.item.create`). */
  readonly resumable = true;
  private readonly options: ResolvedRealtimeOptions;

  constructor(options: OpenAIRealtimeOptions = {}) {
    this.options = resolveRealtimeOptions(options, { model: 'gpt-realtime-2', voices: REALTIME_2_VOICES });
  }

  get model(): string {
    return this.options.model;
  }

  connect(options: EngineConnectOptions): Promise<EngineSession> {
    const format: AudioFormat = options.carrierFormat.encoding === 'pcm16' ? PCM16_24K : options.carrierFormat;
    return connectRealtime(this.options, { input: format, output: format }, options);
  }
}
