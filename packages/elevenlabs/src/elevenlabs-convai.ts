import {
  ConfigError,
  ProviderError,
  ProviderTimeoutError,
  silentLogger,
  type AudioFormat,
  type Engine,
  type EngineConnectOptions,
  type EngineSession,
} from '@patter/core';
import {
  connectWebSocket,
  httpRequest,
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  toWebSocketUrl,
  type WebSocket,
} from '@patter/core/plugin';
import { CONVAI_KEY, ConvAISession } from './convai-session.js';
import { parseElevenLabsFormat } from './elevenlabs-format.js';
import { DEFAULTS, ENV } from './elevenlabs-tts-options.js';

export interface ElevenLabsConvAIOptions {
  /** Default: the `ELEVENLABS_API_KEY` environment variable. */
  readonly apiKey?: string;
  /** The agent built in the ElevenLabs dashboard. Default: `ELEVENLABS_AGENT_ID`. */
  readonly agentId?: string;
  /** Overrides the agent's voice (the override must be enabled in the agent's security settings). */
  readonly voice?: string;
  /** Fetch a signed URL with the key (private agents; default). `false` connects to the public URL. */
  readonly signedUrl?: boolean;
  /** Default `https://api.elevenlabs.io`. */
  readonly baseUrl?: string;
  /** Time to the conversation metadata. Default 10 s. */
  readonly connectTimeoutMs?: number;
}

/**
 * ElevenLabs Conversational AI as a speech-to-speech engine: the agent configured in the
 * ElevenLabs dashboard answers the call; Patter overrides its prompt, first message, voice and
 * dynamic variables per call, converts audio between the carrier's format and the formats the
 * agent announces, and runs client tool calls.
 *
 * @example
 * ```ts
 * import { ElevenLabsConvAI } from '@patter/elevenlabs';
 * phone.agent({ engine: new ElevenLabsConvAI({ agentId: 'agent_123' }), firstMessage: 'Hi!' });
 * ```
 */
export class ElevenLabsConvAI implements Engine {
  readonly key = CONVAI_KEY;
  private readonly apiKey: string;
  private readonly agentId: string;
  private readonly baseUrl: string;

  constructor(private readonly options: ElevenLabsConvAIOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    const agentId = options.agentId ?? process.env.ELEVENLABS_AGENT_ID;
    if (!agentId || agentId.trim() === '') {
      throw new ConfigError('agentId', 'missing; pass agentId or set the ELEVENLABS_AGENT_ID environment variable', {
        envVar: 'ELEVENLABS_AGENT_ID',
      });
    }
    this.agentId = agentId;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
  }

  async connect(options: EngineConnectOptions): Promise<EngineSession> {
    const logger = (options.logger ?? silentLogger).child({ provider: CONVAI_KEY });
    const signal = options.signal;
    const url = this.options.signedUrl === false ? this.publicUrl() : await this.fetchSignedUrl(signal);
    const ws = await connectWebSocket(url, {
      provider: CONVAI_KEY,
      apiKeyEnv: ENV,
      ...(this.options.signedUrl === false ? { headers: { 'xi-api-key': this.apiKey } } : {}),
      ...(signal ? { signal } : {}),
    });
    // The agent's first messages (its greeting) may come in the same read as the metadata, before
    // the session listens: hold every text message until then.
    const held: string[] = [];
    const hold = (data: unknown, isBinary: boolean): void => void (isBinary || held.push(String(data)));
    ws.on('message', hold);
    const metadata = waitForMetadata(ws, this.options.connectTimeoutMs ?? 10_000);
    ws.send(JSON.stringify(this.initiation(options)));
    let input: AudioFormat;
    let output: AudioFormat;
    let conversationId: string | undefined;
    try {
      const formats = await metadata;
      conversationId = formats.conversationId;
      // A format we cannot convert (mp3, opus …) refuses the call, and the socket with it.
      input = parseElevenLabsFormat(formats.input, 'user_input_audio_format');
      output = parseElevenLabsFormat(formats.output, 'agent_output_audio_format');
    } catch (error) {
      ws.off('message', hold);
      ws.terminate();
      throw error;
    }
    ws.off('message', hold);
    const session = new ConvAISession(ws, input, output, logger);
    session.vendorId = conversationId;
    session.replay(held.slice(held.findIndex(isMetadata) + 1));
    return session;
  }

  private publicUrl(): string {
    return toWebSocketUrl(joinUrl(this.baseUrl, '/v1/convai/conversation', { agent_id: this.agentId }));
  }

  private async fetchSignedUrl(signal: AbortSignal | undefined): Promise<string> {
    const response = await httpRequest(joinUrl(this.baseUrl, '/v1/convai/conversation/get-signed-url', { agent_id: this.agentId }), {
      provider: CONVAI_KEY,
      headers: { 'xi-api-key': this.apiKey },
      apiKeyEnv: ENV,
      ...(signal ? { signal } : {}),
    });
    const body = (await response.body.json().catch(() => undefined)) as { signed_url?: unknown } | undefined;
    if (typeof body?.signed_url !== 'string') throw new ProviderError(CONVAI_KEY, 'get-signed-url answered without signed_url');
    return body.signed_url;
  }

  /** `conversation_initiation_client_data` with this call's overrides. */
  private initiation(options: EngineConnectOptions): Record<string, unknown> {
    const agent: Record<string, unknown> = {};
    if (options.instructions) agent.prompt = { prompt: options.instructions };
    if (options.firstMessage) agent.first_message = options.firstMessage;
    const override: Record<string, unknown> = {};
    if (Object.keys(agent).length > 0) override.agent = agent;
    if (this.options.voice) override.tts = { voice_id: this.options.voice };
    return {
      type: 'conversation_initiation_client_data',
      ...(Object.keys(override).length > 0 ? { conversation_config_override: override } : {}),
      ...(options.variables && Object.keys(options.variables).length > 0 ? { dynamic_variables: options.variables } : {}),
    };
  }
}

function isMetadata(text: string): boolean {
  try {
    return (JSON.parse(text) as { type?: unknown }).type === 'conversation_initiation_metadata';
  } catch {
    return false;
  }
}

/** What the conversation's initiation metadata says: the audio formats and the conversation id. */
interface ConvAIMetadata {
  readonly input: string;
  readonly output: string;
  readonly conversationId: string | undefined;
}

function waitForMetadata(ws: WebSocket, timeoutMs: number): Promise<ConvAIMetadata> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new ProviderTimeoutError(CONVAI_KEY, 'no conversation_initiation_metadata')), timeoutMs);
    const onMessage = (data: unknown, isBinary: boolean) => {
      if (isBinary) return;
      let message: { type?: string; conversation_initiation_metadata_event?: Record<string, unknown>; error_event?: { message?: string } };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message.type === 'conversation_initiation_metadata') {
        const event = message.conversation_initiation_metadata_event ?? {};
        finish(undefined, {
          input: String(event.user_input_audio_format ?? 'pcm_16000'),
          output: String(event.agent_output_audio_format ?? 'pcm_16000'),
          conversationId: typeof event.conversation_id === 'string' ? event.conversation_id : undefined,
        });
      } else if (message.type === 'error') {
        finish(new ProviderError(CONVAI_KEY, `conversation refused: ${message.error_event?.message ?? 'unknown error'}`));
      }
    };
    const onClose = (code: number, reason: Buffer) =>
      finish(new ProviderError(CONVAI_KEY, `conversation refused (close ${code}${reason.length ? `: ${reason}` : ''})`, { retryable: false }));
    const finish = (error?: Error, formats?: ConvAIMetadata) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (error) reject(error);
      else resolve(formats as ConvAIMetadata);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
  });
}
