import type { ChatMessage, LLMDelta, LLMProvider, ToolCallRequest, ToolSpec } from '@patter/core';
import { isAbortError } from '@patter/core/plugin';
import { assert, assertEqual, fail, settledWithinTurn, tick, withTimeout } from './check-helpers.js';
import type { ConformanceCheck, ConformanceHooks } from './conformance-check.js';

/** What the fake should answer the next chat request with, in the vendor's streaming format. */
export interface LLMScriptedReply {
  /** Streamed as several small text deltas. */
  readonly text?: string;
  /** Each call's `arguments` JSON streamed in several fragments, calls one after another. */
  readonly toolCalls?: readonly ToolCallRequest[];
  /** Delay between streamed pieces, in ms (the abort check asks for a slow reply). */
  readonly delayMs?: number;
}

export interface LLMConformanceHarness extends ConformanceHooks {
  /** Suite title prefix, e.g. `'OpenAILLM'`. */
  readonly name?: string;
  /** A fresh provider pointed at the plugin's loopback fake. */
  createProvider(): LLMProvider;
  /** Make the fake answer the next chat request with `reply`. */
  scriptReply(reply: LLMScriptedReply): void;
  /** Resolves once the fake saw the client drop its last request (for the abort check). */
  lastRequestClosed?(): Promise<void>;
  /** How long each wait may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

export const CONFORMANCE_MESSAGES: readonly ChatMessage[] = Object.freeze([
  { role: 'system', content: 'You are the receptionist of a restaurant.' },
  { role: 'user', content: 'Can I book a table for two at half past seven?' },
]);

export const CONFORMANCE_TOOLS: readonly ToolSpec[] = Object.freeze([
  {
    name: 'book_table',
    description: 'Book a table.',
    parameters: {
      type: 'object',
      properties: { party: { type: 'integer' }, time: { type: 'string' }, name: { type: 'string' } },
      required: ['party', 'time'],
    },
  },
  {
    name: 'check_hours',
    description: 'Opening hours for a day.',
    parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
  },
]);

const REPLY_TEXT = 'Of course! We have a table for two at 19:30 — may I have your name, please?';
const LONG_TEXT = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} of a long answer.`).join(' ');
const BOOKING: ToolCallRequest = { id: 'call_book_1', name: 'book_table', arguments: '{"party":2,"time":"19:30","name":"Ana \\"Lu\\""}' };
const HOURS: ToolCallRequest = { id: 'call_hours_2', name: 'check_hours', arguments: '{"day":"saturday"}' };

/** The LLM contract's checks, for `runConformanceChecks` or `describeLLMConformance` (`@patter/testing/vitest`). */
export function llmConformanceChecks(harness: LLMConformanceHarness): ConformanceCheck[] {
  const timeout = harness.timeoutMs ?? 5_000;

  async function chatAll(provider: LLMProvider, reply: LLMScriptedReply): Promise<LLMDelta[]> {
    harness.scriptReply(reply);
    const deltas: LLMDelta[] = [];
    await withTimeout(
      (async () => {
        for await (const delta of provider.chat(CONFORMANCE_MESSAGES, { tools: CONFORMANCE_TOOLS })) deltas.push(delta);
      })(),
      timeout,
      'the chat stream to end',
    );
    const done = deltas.findIndex((d) => d.type === 'done');
    assert(done >= 0, 'the stream ended without a done delta');
    assert(deltas.slice(done + 1).every((d) => d.type === 'usage'), 'deltas other than usage came after done');
    return deltas;
  }

  function toolCalls(deltas: readonly LLMDelta[]): ToolCallRequest[] {
    return deltas.flatMap((d) => (d.type === 'toolCall' ? [d.call] : []));
  }

  function expectCall(actual: ToolCallRequest | undefined, expected: ToolCallRequest, label: string): void {
    assert(actual, `${label}: no tool call`);
    assertEqual(actual.name, expected.name, `${label} name`);
    assertEqual(actual.id, expected.id, `${label} id`);
    let args: unknown;
    try {
      args = JSON.parse(actual.arguments);
    } catch {
      fail(`${label}: arguments are not valid JSON: ${actual.arguments}`);
    }
    assertEqual(args, JSON.parse(expected.arguments), `${label} arguments`);
  }

  async function abortMidStream(provider: LLMProvider): Promise<void> {
    harness.scriptReply({ text: LONG_TEXT, delayMs: 10 });
    const controller = new AbortController();
    const iterator = provider.chat(CONFORMANCE_MESSAGES, { signal: controller.signal })[Symbol.asyncIterator]();
    let first = await withTimeout(iterator.next(), timeout, 'the first delta');
    while (!first.done && first.value.type !== 'text') first = await withTimeout(iterator.next(), timeout, 'the first text delta');
    assert(!first.done, 'the slow reply produced no text');
    assert(first.value.type === 'text' && first.value.text.length < LONG_TEXT.length, 'the whole long reply came in one delta');
    const pending = iterator.next();
    controller.abort();
    const outcome = await settledWithinTurn(pending);
    if (outcome.state === 'pending') fail('the chat stream did not end within one event-loop turn of the abort');
    if (outcome.state === 'fulfilled') assert(outcome.value.done, `a ${outcome.value.done ? '' : outcome.value.value.type} delta came after the abort`);
    if (outcome.state === 'rejected') assert(isAbortError(outcome.error), `abort threw a non-abort error: ${String(outcome.error)}`);
    await tick(40);
    const after = await settledWithinTurn(iterator.next());
    assert(!(after.state === 'fulfilled' && !after.value.done), 'a delta came after the abort');
    if (harness.lastRequestClosed) await withTimeout(harness.lastRequestClosed(), timeout, 'the fake to see the request closed');
  }

  return [
    {
      name: 'text deltas concatenate to the reply and the stream ends with done',
      async run() {
        const deltas = await chatAll(harness.createProvider(), { text: REPLY_TEXT });
        const texts = deltas.flatMap((d) => (d.type === 'text' ? [d.text] : []));
        assert(texts.length > 1, 'the reply arrived as a single text delta: the provider is not streaming');
        assertEqual(texts.join(''), REPLY_TEXT, 'concatenated text');
        assertEqual(toolCalls(deltas), [], 'tool calls in a text reply');
      },
    },
    {
      name: 'a tool call arrives once, assembled, with parsable JSON arguments',
      async run() {
        const deltas = await chatAll(harness.createProvider(), { toolCalls: [BOOKING] });
        const calls = toolCalls(deltas);
        assertEqual(calls.length, 1, 'number of tool calls');
        expectCall(calls[0], BOOKING, 'tool call');
      },
    },
    {
      name: 'two tool calls in one reply arrive separately, in order',
      async run() {
        const deltas = await chatAll(harness.createProvider(), { text: 'Let me check.', toolCalls: [BOOKING, HOURS] });
        const calls = toolCalls(deltas);
        assertEqual(calls.length, 2, 'number of tool calls');
        expectCall(calls[0], BOOKING, 'first tool call');
        expectCall(calls[1], HOURS, 'second tool call');
      },
    },
    {
      name: 'abort ends the stream within one event-loop turn; nothing is emitted after',
      async run() {
        await abortMidStream(harness.createProvider());
      },
    },
    {
      name: 'the same provider chats again after an abort',
      async run() {
        const provider = harness.createProvider();
        await abortMidStream(provider);
        const deltas = await chatAll(provider, { text: REPLY_TEXT });
        assertEqual(deltas.flatMap((d) => (d.type === 'text' ? [d.text] : [])).join(''), REPLY_TEXT, 'text after an abort');
      },
    },
  ];
}
