import { silentLogger } from '@patter/core';
import { Patter, type ServerHandle } from '@patter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, NO_CHROMIUM, launchChromium, type LaunchedBrowser } from './chromium.js';
import { waitForPhone } from './dev-phone-page.js';

// The dev phone opened to other devices with a secret, in a real browser. Every client counts as
// another device here (`isLocalAddress: () => false`), so the page is behind the login form.

const SECRET = 'browser-login-secret-0123';

describe.skipIf(!HAS_CHROMIUM)(`dev phone in Chromium: remote login${HAS_CHROMIUM ? '' : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let browser: LaunchedBrowser;
  let handle: ServerHandle;

  beforeAll(async () => {
    const phone = new Patter({ logger: silentLogger });
    const agent = phone.agent({ firstMessage: 'Hello from afar.', onMessage: ({ text }) => `You typed ${text}.` });
    handle = await phone.serve({ agent, port: 0, host: '127.0.0.1', shutdownSignals: false, devPhone: { secret: SECRET, isLocalAddress: () => false } });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await handle?.close({ timeoutMs: 0 });
  });

  it('another device gets the login form; a wrong secret keeps it there; the right one opens the page and a call works', async () => {
    const { page, context } = browser;
    expect(handle.devPhoneAccess).toBe('secret');
    const first = await page.goto(handle.devPhoneUrl as string);
    expect(first?.status()).toBe(401);
    expect(await page.getByRole('button', { name: 'Call the agent' }).count()).toBe(0);

    await page.getByLabel('Dev phone secret').fill('not-the-secret-at-all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong secret.');
    expect(await context.cookies()).toEqual([]);

    await page.getByLabel('Dev phone secret').fill(SECRET);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Call the agent' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/phone');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'patter_devphone', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.value).not.toContain(SECRET);

    await page.getByRole('button', { name: 'Call the agent' }).click();
    await waitForPhone(page, 'the greeting', (s) => s.state === 'In call (text)' && s.transcript.length >= 1);
    await page.locator('#text-input').fill('hi');
    await page.getByRole('button', { name: 'Send' }).click();
    const state = await waitForPhone(page, 'the reply', (s) => s.transcript.length >= 3);
    expect(state.transcript.map((t) => t.text)).toEqual(['Hello from afar.', 'hi', 'You typed hi.']);
    await browser.screenshot('remote-login-call');
    await page.getByRole('button', { name: 'Hang up' }).click();
    // The login form's own 401s (first visit, wrong secret) are the only errors.
    expect(browser.console.filter((line) => /^(error|pageerror)/.test(line) && !line.includes('status of 401'))).toEqual([]);
  }, 30_000);
});
