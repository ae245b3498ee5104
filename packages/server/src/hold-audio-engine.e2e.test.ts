import { defineTool } from '@patter/core';
import { OpenAIRealtime2 } from '@patter/openai-realtime';
import {
  beginResponse,
  configuredState,
  endResponse,
  sendAudioDelta,
  sessionUpdate,
  startFakeRealtime,
  type FakeWebSocketConnection,
  type FakeWebSocketServer,
} from '@patter/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from './test-support/engine-server.js';
import { waitFor } from './test-support/test-server.js';

// Hold audio in engine mode: a Twilio call through the real server and OpenAIRealtime2 (μ-law
// both ways, bytes pass through) against the loopback Realtime fake. The model calls a tool that
// takes 1.5 s; its reply audio is all 0x2a; μ-law silence is 0xff/0x7f; anything else is hold.

let fake: FakeWebSocketServer | undefined;
let server: EngineServer | undefined;
afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = fake = undefined;
});

const isSpeech = (byte: number): boolean => byte === 0x2a;
const isSilence = (byte: number): boolean => byte === 0xff || byte === 0x7f;

async function functionCall(conn: FakeWebSocketConnection, id: string, name: string, args: string): Promise<void> {
  await conn.send({ type: 'response.created', response: { id: `resp_${id}`, object: 'realtime.response', status: 'in_progress' } });
  const item = { id: `item_${id}`, type: 'function_call', call_id: `call_${id}`, name, arguments: '' };
  await conn.send({ type: 'response.output_item.added', response_id: `resp_${id}`, output_index: 0, item });
  await conn.send({ type: 'response.function_call_arguments.done', response_id: `resp_${id}`, item_id: item.id, call_id: item.call_id, name, arguments: args });
  await conn.send({ type: 'response.done', response: { id: `resp_${id}`, object: 'realtime.response', status: 'completed' } });
}

describe('hold audio while a slow tool runs (engine, Twilio)', () => {
  it('the tone plays from afterMs while the tool runs and stops at the engine reply audio; nothing of it after', async () => {
    fake = await startFakeRealtime();
    const lookup = defineTool<{ day: string }>({
      name: 'check_availability',
      description: 'Check a day',
      parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { free: true };
      },
    });
    server = await startEngineServer({
      engine: new OpenAIRealtime2({ apiKey: 'sk-test', baseUrl: `${fake.httpUrl}/v1` }),
      tools: [lookup],
      holdAudio: { afterMs: 200, sound: 'tone' },
    });
    const phone = await server.simulator.inboundCall({ from: '+14155550100' });
    const conn = await fake.nextConnection();
    await configuredState(conn);
    await sessionUpdate(conn);
    await functionCall(conn, '1', 'check_availability', '{"day":"Monday"}');
    await conn.waitForJson<{ type: string; item?: { type?: string } }>((m) => m.type === 'conversation.item.create' && m.item?.type === 'function_call_output');
    const reply = new Uint8Array(3200).fill(0x2a);
    await beginResponse(conn, 'resp_2', 'item_2');
    for (let at = 0; at < reply.length; at += 800) await sendAudioDelta(conn, 'resp_2', 'item_2', reply.subarray(at, at + 800));
    await endResponse(conn, 'resp_2');
    await waitFor(() => phone.receivedAudio().filter(isSpeech).length >= reply.length, 5_000);

    const audio = phone.receivedAudio();
    const firstHold = audio.findIndex((byte) => !isSpeech(byte) && !isSilence(byte));
    const firstReply = audio.findIndex(isSpeech);
    expect(firstHold).toBeGreaterThanOrEqual(0);
    expect(firstReply).toBeGreaterThan(firstHold);
    const hold = audio.subarray(firstHold, firstReply);
    // About 1.3 s of hold (1.5 s tool less 200 ms); a floor of 0.6 s for a loaded machine.
    expect(hold.length).toBeGreaterThan(8 * 600);
    expect(hold.filter((byte) => !isSilence(byte)).length).toBeGreaterThan(8 * 250);
    const after = audio.subarray(firstReply);
    expect(after.every((byte) => isSpeech(byte) || isSilence(byte))).toBe(true);
    expect(after.filter(isSpeech).length).toBe(reply.length);
    await phone.stop();
  });
});
