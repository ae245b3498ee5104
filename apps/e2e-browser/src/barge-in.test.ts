import { FIXTURE_TEXTS } from '@patter/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { phoneState, shownLines, waitForPhone } from './dev-phone-page.js';
import { say } from './fake-openai.js';
import { startVoiceAgent } from './voice-agent.js';
import { waitUntil } from './wait-until.js';

// Barge-in from the browser: the microphone asks a question, then talks over the long answer.
// The fake STT hears it and says so (SpeechStarted, interim words); the server clears, and the
// page's player must fall silent at once.

const QUESTION = FIXTURE_TEXTS['what-time-do-you-open'];
const OVER = FIXTURE_TEXTS['hello-there'];
const LONG_REPLY = [
  'We open every day at noon and serve lunch until three, then dinner from seven until eleven. ',
  'On Sundays the kitchen closes at ten, and the bar stays open a little later for coffee.',
];
const MS_PER_CHAR = 40;
const BYTES_PER_MS = 32;

describe.skipIf(!HAS_CHROMIUM)(`dev phone in Chromium: barge-in${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let agent: Awaited<ReturnType<typeof startVoiceAgent>>;

  beforeAll(async () => {
    agent = await startVoiceAgent({
      // The question is heard from 1 s to ~2.6 s of the microphone; its transcript comes at 2.9 s.
      finals: [{ text: QUESTION, afterBytes: 2_900 * BYTES_PER_MS }],
      chats: [say(...LONG_REPLY)],
      msPerChar: MS_PER_CHAR,
      bargeIn: OVER,
    });
    // "hello there" starts ~6.1 s into the call, while the ~7 s answer (from ~3.3 s) is playing.
    browser = await launchChromium({ microphone: [1_000, 'what-time-do-you-open', 3_500, 'hello-there'] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
  });

  it('the caller talks over a long reply: the server clears and the page stops playing within 100 ms', async () => {
    const { page } = browser;
    await page.goto(agent.handle.devPhoneUrl as string);
    await page.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(page, 'the agent to be speaking', (s) => s.receivedBytes > 0 && s.bufferedMs > 0, 8_000);
    await browser.screenshot('barge-in-agent-speaking');
    const before = await phoneState(page);
    expect(before.clears).toBe(0);

    const after = await waitForPhone(page, 'the clear to reach the player', (s) => s.clears >= 1 && s.lastClearToSilenceMs !== undefined, 6_000);
    await browser.screenshot('barge-in-after-clear');
    // The fake STT heard the browser's microphone talk over the agent.
    expect(agent.deepgram.speechStartedAt()).toBeDefined();
    expect(after.clears).toBe(1);
    expect(after.lastClearToSilenceMs).toBeLessThanOrEqual(100);
    // Timed from the server's send of the clear (its `sentAt`; the browser runs on this machine's clock).
    expect(after.lastServerClearToSilenceMs).toBeDefined();
    expect(after.lastServerClearToSilenceMs).toBeGreaterThanOrEqual(after.lastClearToSilenceMs! - 5);
    expect(after.lastServerClearToSilenceMs).toBeLessThanOrEqual(100);
    expect(after.bufferedMs).toBe(0);
    // It was speaking for a while, and most of the answer was never sent.
    const full = LONG_REPLY.join('').trim().length * MS_PER_CHAR * BYTES_PER_MS;
    expect(after.receivedBytes).toBeGreaterThan(500 * BYTES_PER_MS);
    expect(after.receivedBytes).toBeLessThan(full / 2);
    // Nothing more of the interrupted reply arrives; the player stays empty.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const settled = await phoneState(page);
    expect(settled.receivedBytes).toBe(after.receivedBytes);
    expect(settled.bufferedMs).toBe(0);
    expect(await shownLines(page)).toContain(OVER);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitUntil('onCallEnd', () => agent.ends.length === 1, 5_000);
    const summary = agent.ends[0]!;
    expect(summary.reason).toBe('caller_hangup');
    // The history keeps what the caller heard of the reply: the start of its first sentence.
    const spoken = summary.transcript.find((entry) => entry.role === 'assistant')?.text ?? '';
    expect(spoken.length).toBeGreaterThan(5);
    expect(LONG_REPLY[0]!.startsWith(spoken)).toBe(true);
    expect(spoken.length).toBeLessThan(LONG_REPLY[0]!.trim().length);
    expect(browser.console.filter((line) => /^(error|pageerror|http)/.test(line))).toEqual([]);
  }, 30_000);
});
