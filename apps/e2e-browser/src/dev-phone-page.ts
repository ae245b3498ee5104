import type { Page } from 'playwright-core';
import { waitUntil } from './wait-until.js';

/** The counters the dev phone page exposes on `window.patterDevPhone`. */
export interface DevPhoneState {
  readonly mode: 'voice' | 'text' | undefined;
  readonly state: string;
  readonly sentFrames: number;
  readonly receivedBytes: number;
  readonly bufferedMs: number;
  readonly clears: number;
  readonly lastClearToSilenceMs: number | undefined;
  readonly lastServerClearToSilenceMs: number | undefined;
  readonly ended: string | undefined;
  /** Why the call failed, when it ended with reason `error` and the server said. */
  readonly failure?: { readonly provider?: string; readonly message: string };
  readonly transcript: { readonly role: 'user' | 'assistant'; readonly text: string }[];
  readonly toolCalls: { readonly name: string; readonly arguments: unknown; readonly result?: unknown; readonly error?: string }[];
  readonly metrics: Record<string, unknown>[];
}

/** A snapshot of the page's counters. */
export function phoneState(page: Page): Promise<DevPhoneState> {
  return page.evaluate(() => structuredClone((globalThis as unknown as { patterDevPhone: DevPhoneState }).patterDevPhone));
}

/** Waits until the page's counters satisfy `predicate`; the timeout message shows the last snapshot. */
export async function waitForPhone(page: Page, what: string, predicate: (state: DevPhoneState) => boolean, timeoutMs = 5_000): Promise<DevPhoneState> {
  let last: DevPhoneState | undefined;
  try {
    await waitUntil(what, async () => predicate((last = await phoneState(page))), timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; page: ${JSON.stringify(last)}`);
  }
  return last as DevPhoneState;
}

/** The lines of the page's transcript list, as shown. */
export function shownLines(page: Page): Promise<string[]> {
  return page.locator('#transcript li').allTextContents();
}
