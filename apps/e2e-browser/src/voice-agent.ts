import { silentLogger, type AgentOptions, type CallEndSummary } from '@patter/core';
import { DeepgramSTT } from '@patter/deepgram';
import { OpenAILLM, OpenAITTS } from '@patter/openai';
import { Patter, type ServerHandle } from '@patter/server';
import type { FakeHttpResponse } from '@patter/testing';
import { DEEPGRAM_KEY, fakeDeepgram, type ScriptedFinal } from './fake-deepgram.js';
import { fakeOpenAI, OPENAI_KEY } from './fake-openai.js';

export interface VoiceAgentOptions {
  readonly finals: ScriptedFinal[];
  readonly chats: ((res: FakeHttpResponse) => void)[];
  readonly agent?: Partial<AgentOptions>;
  readonly msPerChar?: number;
  /** Interim text the fake STT answers when the caller talks again after the scripted turns. */
  readonly bargeIn?: string;
  /** The key the agent's Deepgram STT sends (default the fake's; another one is refused with 401). */
  readonly deepgramKey?: string;
}

/**
 * A pipeline agent made of the real Deepgram STT, OpenAI LLM and OpenAI TTS plugins, each
 * pointed with `baseUrl` at a loopback fake of its vendor, served with the dev phone on.
 */
export async function startVoiceAgent(options: VoiceAgentOptions) {
  const deepgram = await fakeDeepgram(options.finals, options.bargeIn === undefined ? {} : { bargeIn: options.bargeIn });
  const openai = await fakeOpenAI({ chats: options.chats, ...(options.msPerChar ? { msPerChar: options.msPerChar } : {}) });
  const ends: CallEndSummary[] = [];
  const phone = new Patter({ logger: silentLogger });
  const agent = phone.agent({
    systemPrompt: "You are the receptionist of Luigi's.",
    stt: new DeepgramSTT({ apiKey: options.deepgramKey ?? DEEPGRAM_KEY, baseUrl: deepgram.url, logger: silentLogger }),
    llm: new OpenAILLM({ apiKey: OPENAI_KEY, baseUrl: openai.url }),
    tts: new OpenAITTS({ apiKey: OPENAI_KEY, baseUrl: openai.url, logger: silentLogger }),
    ...options.agent,
  });
  const handle: ServerHandle = await phone.serve({
    agent,
    port: 0,
    host: '127.0.0.1',
    shutdownSignals: false,
    onCallEnd: (summary) => void ends.push(summary),
  });
  return {
    deepgram,
    openai,
    handle,
    ends,
    async close(): Promise<void> {
      await handle.close({ timeoutMs: 0 });
      await Promise.all([deepgram.close(), openai.close()]);
    },
  };
}
