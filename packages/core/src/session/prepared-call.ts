import { bytesForDuration, type AudioFormat } from '../audio/audio-format.js';
import type { AgentOptions } from '../agent/agent-options.js';
import type { Logger } from '../log/logger.js';
import type { ParkedSTTConnection, STTProvider } from '../stt/stt-provider.js';
import { synthesizeClip } from '../tts/synthesize-clip.js';
import { chooseFormat } from './pipeline/audio-path.js';
import { substituteVariables } from './substitute-variables.js';

/** The longest first message prepared ahead (ms of audio); a longer one is synthesized live. */
const MAX_FIRST_MESSAGE_MS = 10_000;

/** The first message, synthesized while the phone rang: `audio` in `format` (the TTS format the call will use). */
export interface PreparedSpeech {
  readonly text: string;
  readonly format: AudioFormat;
  readonly audio: Uint8Array;
}

/** What was made ready for a call before its media stream opened. */
export interface PreparedCall {
  readonly firstMessage?: PreparedSpeech;
  /** The STT's connection, opened ahead (`STTProvider.park`); the call's STT stream adopts it. */
  readonly stt?: ParkedSTTConnection;
}

export interface PrepareCallOptions {
  /** The carrier's media format (the call's TTS format is negotiated against it, as on the call). */
  readonly carrierFormat: AudioFormat;
  /** Aborted when the stream never came (the registry's lifetime) or the server closes. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * Answer-time warmup, while an inbound call rings: wakes the agent's LLM (`warmup()` where it has
 * one: connection pool, DNS, TLS) and synthesizes the first message (which warms the TTS; without a
 * first message, the TTS's `warmup()` runs instead) into a bounded buffer in the TTS format the call will negotiate, so the greeting goes
 * out on the stream's first turn. Pipeline agents only (an engine speaks its own greeting).
 * Never throws: what fails is simply not prepared (debug log).
 */
export async function prepareCall(agent: AgentOptions, options: PrepareCallOptions): Promise<PreparedCall> {
  const { logger, signal } = options;
  if (agent.engine || !agent.tts) return {};
  const tts = agent.tts;
  const parking = agent.stt?.park ? park(agent.stt, options) : Promise.resolve(undefined);
  const warm = (name: string, warmup: (() => Promise<void>) | undefined): Promise<void> =>
    warmup ? warmup().catch((err: unknown) => logger.debug({ err, provider: name }, 'provider warmup failed')) : Promise.resolve();
  // Not the STT's warmup(): it opens and drops a vendor socket, a waste once per ringing call.
  const warming = warm('llm', agent.llm?.warmup?.bind(agent.llm));
  const text = agent.firstMessage === undefined ? undefined : substituteVariables(agent.firstMessage, agent.variables ?? {});
  let firstMessage: PreparedSpeech | undefined;
  if (text === undefined || text.trim() === '') {
    await warm('tts', tts.warmup?.bind(tts));
  } else {
    try {
      const format = chooseFormat(tts.outputFormats, options.carrierFormat, 'tts');
      const audio = await synthesizeClip(tts, text, format, { signal, maxMs: MAX_FIRST_MESSAGE_MS, logger });
      // A greeting cut at the bound is not the whole greeting: it is synthesized live instead.
      if (audio.length > 0 && audio.length < bytesForDuration(format, MAX_FIRST_MESSAGE_MS)) firstMessage = { text, format, audio };
    } catch (err) {
      if (!signal.aborted) logger.debug({ err }, 'first message not prepared; it is synthesized when the call starts');
    }
  }
  const [stt] = await Promise.all([parking, warming]);
  if (signal.aborted) {
    stt?.close();
    return {};
  }
  return { ...(stt ? { stt } : {}), ...(firstMessage ? { firstMessage } : {}) };
}

/** Opens the STT's connection for the call, in the format the call will negotiate; `undefined` on failure. */
async function park(stt: STTProvider, options: PrepareCallOptions): Promise<ParkedSTTConnection | undefined> {
  try {
    const format = chooseFormat(stt.inputFormats, options.carrierFormat, 'stt');
    return await (stt.park as NonNullable<STTProvider['park']>)({ format, signal: options.signal });
  } catch (err) {
    if (!options.signal.aborted) options.logger.debug({ err, provider: stt.key }, 'stt connection not parked; it opens when the call starts');
    return undefined;
  }
}

/** The longest the greeting waits for a preparation still under way when the stream opens (ms). */
const PREPARED_WAIT_MS = 1500;

/** `prepared`, or `undefined` when it failed or is not ready within `PREPARED_WAIT_MS` (then the greeting is synthesized live). */
export async function awaitPrepared(prepared: Promise<PreparedCall | undefined>, logger: Logger): Promise<PreparedCall | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PREPARED_WAIT_MS);
  });
  try {
    const result = await Promise.race([prepared.catch(() => undefined), late]);
    if (result === undefined) logger.debug({}, 'call not prepared in time; the greeting is synthesized live');
    return result;
  } finally {
    clearTimeout(timer);
  }
}
