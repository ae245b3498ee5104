import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { shownLines, waitForPhone } from './dev-phone-page.js';
import { startVoiceAgent } from './voice-agent.js';
import { waitUntil } from './wait-until.js';

// A voice call whose speech-to-text vendor refuses the key: the page says the call failed, names
// the provider and shows the vendor's message (without the key), not "Call ended (agent_hangup)".

const WRONG_KEY = 'dg-wrong-key-1234567890';

describe.skipIf(!HAS_CHROMIUM)(`dev phone in Chromium: a failing call${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let agent: Awaited<ReturnType<typeof startVoiceAgent>>;

  beforeAll(async () => {
    agent = await startVoiceAgent({ finals: [], chats: [], deepgramKey: WRONG_KEY });
    browser = await launchChromium({ microphone: [3_000] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.close();
  });

  it('a bad STT key: the page shows the call failed, the provider and its message; onCallEnd has them too', async () => {
    const { page } = browser;
    await page.goto(agent.handle.devPhoneUrl as string);
    await page.getByRole('button', { name: 'Call the agent' }).click();
    const state = await waitForPhone(page, 'the call to end', (s) => s.state.startsWith('Call failed') && s.ended !== undefined, 10_000);
    expect(state.ended).toBe('error');
    expect(state.failure).toEqual({ provider: 'deepgram', message: expect.stringContaining('authentication failed') });
    expect(state.state).toBe('Call failed: deepgram');
    const lines = await shownLines(page);
    expect(lines.at(-1)).toMatch(/^Call failed \(deepgram\): .*authentication failed.*\(HTTP 401\)$/);
    expect(lines.join('\n')).not.toContain('agent_hangup');
    expect(await page.content()).not.toContain(WRONG_KEY);
    await browser.screenshot('call-failed-bad-key');

    await waitUntil('onCallEnd', () => agent.ends.length === 1);
    expect(agent.ends[0]).toMatchObject({ reason: 'error', error: { provider: 'deepgram' } });
    expect(await page.getByRole('button', { name: 'Call the agent' }).isEnabled()).toBe(true);
  }, 30_000);
});
