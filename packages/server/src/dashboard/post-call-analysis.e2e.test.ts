import type { ChatMessage, LLMDelta, LLMProvider } from '@patter/core';
import type { CallRecord } from '@patter/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../test-support/history-store.js';
import { RecordingSession } from '../test-support/recording-session.js';
import { closed, inboundStreamUrl, openStream, send, startTestServer, waitFor, type TestServer } from '../test-support/test-server.js';
import { resolveHistoryOptions } from './history-options.js';

// The post-call analysis through the real server: the model reads the transcript once after the
// call, its JSON answer is validated against the schema and stored with the call.

const SCHEMA = {
  type: 'object',
  properties: { summary: { type: 'string' }, booked: { type: 'boolean' }, people: { type: 'integer' } },
  required: ['summary', 'booked'],
  additionalProperties: false,
};

/** An LLM that answers `reply` and remembers what it was asked. */
function scriptedLlm(reply: string): LLMProvider & { asked: (readonly ChatMessage[])[] } {
  const asked: (readonly ChatMessage[])[] = [];
  return {
    asked,
    async *chat(messages: readonly ChatMessage[]): AsyncIterable<LLMDelta> {
      asked.push(messages);
      for (const part of reply.match(/.{1,7}/gs) ?? []) yield { type: 'text', text: part };
      yield { type: 'done', finishReason: 'stop' };
    },
  } as LLMProvider & { asked: (readonly ChatMessage[])[] };
}

let testStore: Awaited<ReturnType<typeof openTestStore>>;
const servers: TestServer[] = [];
beforeAll(async () => {
  testStore = await openTestStore();
}, 120_000);
afterAll(async () => {
  await testStore.store.close();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.handle.close({ timeoutMs: 0 });
});

async function finishedCall(llm: LLMProvider, callId: string): Promise<CallRecord> {
  const server = await startTestServer({ store: testStore.store, analysis: { prompt: 'Summarize; was a table booked?', schema: SCHEMA, llm } });
  servers.push(server);
  const ws = await openStream(await inboundStreamUrl(server.handle));
  send(ws, { event: 'start', callId });
  await waitFor(() => RecordingSession.all.some((s) => s.options.transport.info?.callId === callId));
  const session = RecordingSession.all.find((s) => s.options.transport.info?.callId === callId) as RecordingSession;
  session.emit('transcript', { role: 'user', text: 'A table for 4 tonight please', isFinal: true });
  session.emit('toolCall', { name: 'book_table', arguments: { people: 4 }, result: { ok: true } });
  session.emit('transcript', { role: 'assistant', text: 'Booked for four.', isFinal: true });
  ws.close();
  await closed(ws);
  let record: CallRecord | undefined;
  await waitFor(() => record !== undefined || (void testStore.store.getCall(callId).then((r) => (record = r)), false), 15_000);
  return record as CallRecord;
}

describe('post-call analysis', () => {
  it('the model reads the transcript once; its JSON (even fenced) is validated and stored with the call', async () => {
    const llm = scriptedLlm('```json\n{"summary":"Booked a table for four.","booked":true,"people":4}\n```');
    const record = await finishedCall(llm, 'CA-AN-1');
    expect(record.analysis).toMatchObject({ result: { summary: 'Booked a table for four.', booked: true, people: 4 } });
    expect(llm.asked).toHaveLength(1);
    const [system, user] = llm.asked[0] as ChatMessage[];
    expect(system?.content).toContain('Summarize; was a table booked?');
    expect(system?.content).toContain('"additionalProperties":false');
    expect(user?.content).toBe('Caller: A table for 4 tonight please\n[tool book_table({"people":4}) → {"ok":true}]\nAgent: Booked for four.');
  });

  it('an answer that does not match the schema is stored as an error; the call is stored all the same', async () => {
    const record = await finishedCall(scriptedLlm('{"summary":"x","booked":"yes"}'), 'CA-AN-2');
    expect(record.analysis?.result).toBeUndefined();
    expect(record.analysis?.error).toMatch(/^the answer does not match the schema: /);
    expect(record.timeline).toHaveLength(3);
    const prose = await finishedCall(scriptedLlm('I think it went well.'), 'CA-AN-3');
    expect(prose.analysis?.error).toBe('the model did not answer with JSON');
  });

  it('an agent without an llm needs analysis.llm, named', () => {
    expect(() => resolveHistoryOptions({ store: true, analysis: { prompt: 'p', schema: SCHEMA } })).toThrow(
      expect.objectContaining({ name: 'ConfigError', option: 'analysis.llm' }),
    );
  });
});
