import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { microphoneWav, type MicrophoneScript } from './microphone-wav.js';

/** Debian's Chromium (`apt-get install chromium`); the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;

/** Screenshots of calls in progress, kept as test artifacts (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/e2e-browser/', import.meta.url));

export interface BrowserOptions {
  /** What the fake microphone plays, once (silence after). */
  readonly microphone?: MicrophoneScript;
}

export interface LaunchedBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Lines the page logged (console and uncaught errors), for failure messages. */
  readonly console: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (removed on close), fake media devices, and autoplay allowed. */
export async function launchChromium(options: BrowserOptions = {}): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'patter-chromium-'));
  const microphone = join(profile, 'microphone.wav');
  if (options.microphone) writeFileSync(microphone, microphoneWav(options.microphone));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...(options.microphone ? [`--use-file-for-fake-audio-capture=${microphone}%noloop`] : []),
  ];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args, timeout: 20_000 });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (err) => lines.push(`pageerror: ${err.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) lines.push(`http ${response.status()}: ${new URL(response.url()).pathname}`);
  });
  return {
    context,
    page,
    console: lines,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
