import { MULAW_8K, type ChatMessage, type LLMDelta, type LLMProvider, type STTProvider, type STTStream, type Transcript, type TTSProvider } from '@patter/core';

/** Every byte of the agent's voice (the simulated callee counts them). */
export const VOICE_BYTE = 0x2a;
/** What the callee "says": the STT hears it once it got `CALLER_FRAMES` frames of audio. */
export const CALLER_TEXT = 'A table for two tonight please';
const CALLER_FRAMES = 10;

/** An STT that hears `CALLER_TEXT` once the caller sent some audio, then nothing more. */
export function scriptedStt(): STTProvider {
  return {
    key: 'scripted-stt',
    inputFormats: [MULAW_8K],
    stream: (): STTStream => {
      let frames = 0;
      let wake: () => void = () => {};
      let closed = false;
      let heard = false;
      return {
        sendAudio: () => {
          frames++;
          wake();
        },
        transcripts: async function* (): AsyncIterable<Transcript> {
          while (!closed) {
            if (!heard && frames >= CALLER_FRAMES) {
              heard = true;
              yield { text: CALLER_TEXT, isFinal: true, speechFinal: true, confidence: 1, fromFinalize: false, eventType: 'Results' };
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        finalize: () => {},
        close: async () => {
          closed = true;
          wake();
        },
        usage: () => ({ audioSeconds: frames * 0.02 }),
      };
    },
  };
}

/**
 * An LLM that answers in one sentence naming who its system prompt says it calls ("calling Ada")
 * and what the caller said: the transcript shows which prompt and variables the call ran with.
 */
export function scriptedLlm(): LLMProvider {
  return {
    key: 'scripted-llm',
    model: 'scripted',
    async *chat(messages: readonly ChatMessage[]): AsyncIterable<LLMDelta> {
      const system = messages.find((m) => m.role === 'system');
      const user = [...messages].reverse().find((m) => m.role === 'user');
      const text = (m: ChatMessage | undefined): string => (typeof m?.content === 'string' ? m.content : '');
      const callee = /calling (\w+)/.exec(text(system))?.[1] ?? 'nobody';
      yield { type: 'text', text: `Noted for ${callee} that you want ${text(user).replace(/[.!?,]/g, '').toLowerCase()}.` };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
}

/** A TTS that speaks 10 bytes of μ-law per character. */
export function scriptedTts(): TTSProvider {
  return {
    key: 'scripted-tts',
    outputFormats: [MULAW_8K],
    async *synthesize(text: string) {
      yield new Uint8Array(text.length * 10).fill(VOICE_BYTE);
    },
  };
}
