import type { AudioFormat, ToolSpec } from '@patter/core';
import { isReasoningModel, type ResolvedRealtimeOptions } from './realtime-options.js';
import { toWireFormat } from './realtime-audio-format.js';

export interface SessionUpdateInput {
  readonly options: ResolvedRealtimeOptions;
  readonly instructions: string;
  readonly tools: readonly ToolSpec[];
  /** Format we send the caller's audio in. */
  readonly inputFormat: AudioFormat;
  /** Format we ask the model to speak in. */
  readonly outputFormat: AudioFormat;
}

/**
 * The GA `session.update` (OpenAI refuses the beta shape): `session.type: "realtime"`, nested
 * `audio.input` / `audio.output` with MIME-typed formats, `output_modalities`, flat function
 * tools, and `reasoning` only when an effort was set and the model is a reasoning one.
 */
export function buildSessionUpdate(input: SessionUpdateInput): Record<string, unknown> {
  const { options } = input;
  const session: Record<string, unknown> = {
    type: 'realtime',
    model: options.model,
    output_modalities: ['audio'],
    instructions: input.instructions,
    audio: {
      input: {
        format: toWireFormat(input.inputFormat),
        transcription: { model: options.inputAudioTranscriptionModel },
        turn_detection: {
          type: 'server_vad',
          threshold: 0.5,
          prefix_padding_ms: 300,
          silence_duration_ms: options.silenceDurationMs,
          create_response: true,
          interrupt_response: true,
        },
      },
      output: { format: toWireFormat(input.outputFormat), voice: options.voice },
    },
    tools: input.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
    })),
    tool_choice: 'auto',
  };
  if (options.reasoningEffort !== undefined && isReasoningModel(options.model)) session.reasoning = { effort: options.reasoningEffort };
  return { type: 'session.update', session };
}
