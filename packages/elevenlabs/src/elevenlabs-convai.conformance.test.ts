import type { ToolCallRequest } from '@patter/core';
import {
  sendConvAIAudio,
  startFakeConvAI,
  type ConvAIAudioFormat,
  type EngineConformanceConnection,
  type FakeConvAI,
  type FakeConvAIConversation,
} from '@patter/testing';
import { describeEngineConformance } from '@patter/testing/vitest';
import { ElevenLabsConvAI } from './index.js';

/** One ConvAI conversation socket of the fake, as the Engine conformance suite sees it. */
class ConvAIConnection implements EngineConformanceConnection {
  constructor(private readonly conversation: FakeConvAIConversation) {}

  audio(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.conversation.audio));
  }

  async sendAudio(audio: Uint8Array): Promise<void> {
    // Chunks of at most 100 ms at 16 kHz, one event id per agent turn.
    const eventId = this.conversation.nextEventId++;
    for (let at = 0; at < audio.byteLength; at += 3200) await sendConvAIAudio(this.conversation, audio.subarray(at, at + 3200), eventId);
  }

  isClosed(): boolean {
    return this.conversation.conn.closeInfo !== undefined;
  }

  async requestToolCall(call: ToolCallRequest): Promise<void> {
    await this.conversation.conn.send({
      type: 'client_tool_call',
      client_tool_call: { tool_name: call.name, tool_call_id: call.id, parameters: JSON.parse(call.arguments) as unknown, event_id: this.conversation.nextEventId++ },
    });
  }

  /** An arrow property: the suite may call it detached. */
  readonly toolResults = (): { callId: string; output: string }[] =>
    this.conversation.toolResults.map((r) => ({ callId: r.tool_call_id, output: r.result }));
}

for (const format of ['ulaw_8000', 'pcm_16000'] as const satisfies readonly ConvAIAudioFormat[]) {
  let fake: FakeConvAI | undefined;
  const adapters = new Map<FakeConvAIConversation, ConvAIConnection>();
  describeEngineConformance({
    name: `ElevenLabsConvAI (${format})`,
    toolCalls: true,
    beforeEach: async () => {
      fake = await startFakeConvAI({ format });
    },
    afterEach: async () => {
      await fake?.close();
      fake = undefined;
      adapters.clear();
    },
    createEngine: () => new ElevenLabsConvAI({ apiKey: 'test-key', agentId: 'agent_test', baseUrl: fake!.baseUrl }),
    connections: () =>
      (fake?.conversations ?? []).map((conversation) => {
        let adapter = adapters.get(conversation);
        if (!adapter) adapters.set(conversation, (adapter = new ConvAIConnection(conversation)));
        return adapter;
      }),
  });
}
