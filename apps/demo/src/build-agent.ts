import * as anthropic from '@patter/anthropic';
import type { AgentOptions } from '@patter/core';
import * as deepgram from '@patter/deepgram';
import * as elevenlabs from '@patter/elevenlabs';
import * as openai from '@patter/openai';
import { OpenAIRealtime } from '@patter/openai-realtime';
import type { DemoMode } from './choose-mode.js';
import { scriptedReceptionist } from './scripted-receptionist.js';

/** The providers of each mode, on top of the restaurant's prompt, greeting and tools. */
export function buildAgent(mode: DemoMode, base: AgentOptions, managerNumber: string): AgentOptions {
  switch (mode.kind) {
    case 'engine':
      return { ...base, engine: new OpenAIRealtime({ voice: 'coral' }) };
    case 'pipeline':
      return {
        ...base,
        stt: deepgram.STT(),
        llm: mode.llm === 'openai' ? openai.LLM() : anthropic.LLM(),
        tts: elevenlabs.TTS(),
      };
    case 'text':
      return { ...base, onMessage: scriptedReceptionist(managerNumber) };
  }
}
