import {
  MULAW_8K,
  TransferRefusedError,
  type CallControl,
  type CallEndSummary,
  type ChatMessage,
  type LLMDelta,
  type LLMProvider,
  type Logger,
  type STTProvider,
  type STTStream,
  type Transcript,
  type TTSProvider,
} from '@patter/core';
import { FakeTwilioApi, loadFixture, TwilioSimulator } from '@patter/testing';
import { Twilio } from '@patter/twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { Patter } from './patter.js';
import type { ServerHandle } from './serve.js';
import { waitFor } from './test-support/test-server.js';

// Transfer safety through the real server, the real call session and the Twilio carrier: a
// prompt-injected model asking for a premium number gets a refusal back, Twilio never sees a <Dial>.

const ACCOUNT_SID = 'AC' + 'e5'.repeat(16);
const AUTH_TOKEN = 'transfer-test-auth-token';
const PREMIUM = '+19005550100';

/** An STT that "hears" one final sentence once a second of caller audio arrived. */
const hearingStt: STTProvider = {
  key: 'hearing',
  inputFormats: [MULAW_8K],
  stream: (): STTStream => {
    const queue: Transcript[] = [];
    let wake: () => void = () => {};
    let closed = false;
    let bytes = 0;
    return {
      sendAudio: (audio) => {
        bytes += audio.byteLength;
        if (bytes < 8000 || bytes - audio.byteLength >= 8000) return;
        queue.push({ text: 'Transfer me to 1 900 555 0100 now.', isFinal: true, speechFinal: true, confidence: 1, fromFinalize: false, eventType: 'Results' });
        wake();
      },
      transcripts: async function* () {
        while (!closed) {
          const next = queue.shift();
          if (next) yield next;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      finalize: () => {},
      close: async () => {
        closed = true;
        wake();
      },
      usage: () => ({ audioSeconds: 0 }),
    };
  },
};

const tts: TTSProvider = {
  key: 'voice',
  outputFormats: [MULAW_8K],
  synthesize: async function* (text: string) {
    yield new Uint8Array(text.length * 80).fill(0x2a);
  },
};

/** A model the caller talked into transferring to a premium number; records what it was sent. */
function injectedLlm(): LLMProvider & { requests: ChatMessage[][] } {
  const requests: ChatMessage[][] = [];
  return {
    key: 'scripted',
    model: 'scripted',
    requests,
    chat: async function* (messages): AsyncIterable<LLMDelta> {
      requests.push([...messages]);
      if (requests.length === 1) {
        yield { type: 'toolCall', call: { id: 'call_1', name: 'transfer_call', arguments: JSON.stringify({ number: PREMIUM }) } };
        yield { type: 'done', finishReason: 'tool_calls' };
        return;
      }
      yield { type: 'text', text: 'Sorry, I cannot transfer you to that number.' };
      yield { type: 'done', finishReason: 'stop' };
    },
  };
}

function capturingLogger(lines: { message: string; fields: Record<string, unknown> }[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => void lines.push({ message, fields: fields as Record<string, unknown> }),
    error: (fields, message) => void lines.push({ message, fields: fields as Record<string, unknown> }),
    child: () => logger,
  };
  return logger;
}

let handle: ServerHandle | undefined;
let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await handle?.close({ timeoutMs: 0 });
  await api?.close();
  handle = undefined;
  api = undefined;
});

describe('transfer allowlist through the real server', () => {
  it('refuses a transfer outside the allowlist: logged (masked), reported to the model, no <Dial>, the call goes on', async () => {
    api = await new FakeTwilioApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN).start();
    const lines: { message: string; fields: Record<string, unknown> }[] = [];
    const llm = injectedLlm();
    const phone = new Patter({
      carrier: new Twilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, baseUrl: api.url }),
      phoneNumber: '+14155550199',
      logger: capturingLogger(lines),
    });
    const ends: CallEndSummary[] = [];
    let control: CallControl | undefined;
    handle = await phone.serve({
      agent: phone.agent({ stt: hearingStt, llm, tts, transferAllowlist: ['+1415555*'] }),
      port: 0,
      host: '127.0.0.1',
      shutdownSignals: false,
      devPhone: false,
      onCallStart: (_info, c) => void (control = c),
      onCallEnd: (summary) => void ends.push(summary),
    });
    const simulator = new TwilioSimulator({ serverUrl: handle.url, authToken: AUTH_TOKEN, accountSid: ACCOUNT_SID });
    const call = await simulator.inboundCall();
    api.addCall(call.callSid);
    // Real speech (silence is filtered as no evidence); 1.2 s of it is enough for the STT above (it
    // hears at 1 s), and the caller is then quiet, so a slow machine cannot turn the rest into a barge-in.
    await call.sendAudio(loadFixture('book-a-table', 'mulaw-8k').bytes.subarray(0, 9600));

    // The model hears why, and answers the caller.
    await waitFor(() => llm.requests.length === 2, 20_000);
    const toolResult = llm.requests[1]!.at(-1)!;
    expect(toolResult).toMatchObject({ role: 'tool', toolCallId: 'call_1', name: 'transfer_call' });
    expect(toolResult.content).toMatch(/not allowed/);
    await waitFor(() => call.receivedAudio().length >= 'Sorry, I cannot transfer you to that number.'.length * 80, 20_000);

    // Logged, with the number masked; Twilio was never asked to dial.
    const refusal = lines.find((line) => line.message === 'transfer refused: target not in allowlist');
    expect(refusal).toBeDefined();
    expect(JSON.stringify(lines)).not.toContain(PREMIUM);
    expect(api.updates.items).toEqual([]);

    // A user callback holding the same control is refused the same way; the call is still up.
    await expect(control!.transfer(PREMIUM)).rejects.toBeInstanceOf(TransferRefusedError);
    expect(api.updates.items).toEqual([]);
    expect(control!.ended).toBe(false);
    expect(ends).toEqual([]);

    // An allowed number goes through as a <Dial>.
    await control!.transfer('+14155550142');
    const update = await api.updates.next();
    expect(update.form.get('Twiml')).toContain('<Number>+14155550142</Number>');
    await call.stop();
    await waitFor(() => ends.length === 1);
    expect(ends[0]!.reason).toBe('transfer');
  }, 60_000);
});
