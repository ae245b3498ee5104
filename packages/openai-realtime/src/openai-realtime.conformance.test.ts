import type { ToolCallRequest } from '@patter/core';
import { type EngineConformanceConnection, type FakeWebSocketConnection, type FakeWebSocketServer } from '@patter/testing';
import { describeEngineConformance } from '@patter/testing/vitest';
import { appendedAudio, beginResponse, endResponse, sendAudioDelta, startFakeRealtime } from '@patter/testing';
import { OpenAIRealtime, OpenAIRealtime2 } from './index.js';

/** One Realtime connection of the fake, as the Engine conformance suite sees it. */
class RealtimeConnection implements EngineConformanceConnection {
  private responses = 0;
  constructor(private readonly conn: FakeWebSocketConnection) {}

  audio(): Uint8Array {
    return appendedAudio(this.conn);
  }

  async sendAudio(audio: Uint8Array): Promise<void> {
    if (!this.conn.isOpen) return;
    const id = `resp_${++this.responses}`;
    await beginResponse(this.conn, id, `item_${this.responses}`);
    // Deltas of 100 ms or less, as the server streams them.
    for (let at = 0; at < audio.byteLength; at += 2400) await sendAudioDelta(this.conn, id, `item_${this.responses}`, audio.subarray(at, at + 2400));
    await endResponse(this.conn, id);
  }

  isClosed(): boolean {
    return this.conn.closeInfo !== undefined;
  }

  /** A function call with its arguments streamed in fragments. */
  async requestToolCall(call: ToolCallRequest): Promise<void> {
    const id = `resp_${++this.responses}`;
    await this.conn.send({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress' } });
    const item = { id: `item_fc_${this.responses}`, type: 'function_call', call_id: call.id, name: call.name, arguments: '' };
    await this.conn.send({ type: 'response.output_item.added', response_id: id, output_index: 0, item });
    const half = Math.floor(call.arguments.length / 2);
    for (const delta of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
      await this.conn.send({ type: 'response.function_call_arguments.delta', response_id: id, item_id: item.id, call_id: call.id, delta });
    }
    await this.conn.send({ type: 'response.function_call_arguments.done', response_id: id, item_id: item.id, call_id: call.id, arguments: call.arguments });
    await this.conn.send({ type: 'response.done', response: { id, object: 'realtime.response', status: 'completed' } });
  }

  /** An arrow property: the suite may call it detached. */
  readonly toolResults = (): { callId: string; output: string }[] =>
    this.conn
      .jsonMessages<{ type: string; item?: { type?: string; call_id?: string; output?: string } }>()
      .flatMap((m) => (m.type === 'conversation.item.create' && m.item?.type === 'function_call_output' ? [{ callId: String(m.item.call_id), output: String(m.item.output) }] : []));
}

for (const [name, Engine] of [
  ['OpenAIRealtime', OpenAIRealtime],
  ['OpenAIRealtime2', OpenAIRealtime2],
] as const) {
  let fake: FakeWebSocketServer | undefined;
  const adapters = new Map<FakeWebSocketConnection, RealtimeConnection>();
  describeEngineConformance({
    name,
    toolCalls: true,
    beforeEach: async () => {
      fake = await startFakeRealtime();
    },
    afterEach: async () => {
      await fake?.close();
      fake = undefined;
      adapters.clear();
    },
    createEngine: () => new Engine({ apiKey: 'sk-test', baseUrl: `${fake!.httpUrl}/v1` }),
    connections: () =>
      (fake?.connections ?? []).map((conn) => {
        let adapter = adapters.get(conn);
        if (!adapter) adapters.set(conn, (adapter = new RealtimeConnection(conn)));
        return adapter;
      }),
  });
}
