import { ConfigError } from '@patter/core';
import type { CallWindow } from './call-window.js';

export interface CampaignContact {
  /** E.164 number to dial. */
  readonly to: string;
  readonly variables?: Readonly<Record<string, string>>;
  /** IANA time zone of this contact; overrides the window's. */
  readonly timeZone?: string;
}

export interface RetryPolicy {
  readonly onBusy?: boolean;
  readonly onNoAnswer?: boolean;
  /** Redial when an answering machine picked up (else the agent's voicemail policy ends it). */
  readonly onVoicemail?: boolean;
  /** Attempts per contact, the first included. Default 1. */
  readonly maxAttempts?: number;
  /** Delay before attempt n+1 = `backoff.baseMs * factor^(n-1)`. Default 5 min, factor 2. */
  readonly backoff?: { readonly baseMs: number; readonly factor?: number };
}

export interface CampaignOptions {
  readonly name?: string;
  /** The served agent's name, or the server's default agent when omitted. */
  readonly agent?: string;
  readonly contacts: readonly CampaignContact[];
  /** Calls of this campaign live at once, across the whole fleet. */
  readonly concurrency: number;
  /** Numbers the campaign dials from; each call takes one with room under the per-number limits. */
  readonly fromNumbers: readonly string[];
  readonly window?: CallWindow;
  readonly retry?: RetryPolicy;
  /** No call before this instant (a call or campaign set for later). Default now. */
  readonly startAt?: Date | number;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Throws a ConfigError naming the first bad option. */
export function validateCampaign(options: CampaignOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError('campaign', 'expected an options object');
  if (!Array.isArray(options.contacts) || options.contacts.length === 0) throw new ConfigError('contacts', 'expected a non-empty array');
  options.contacts.forEach((contact, index) => {
    if (typeof contact?.to !== 'string' || !E164.test(contact.to)) throw new ConfigError(`contacts[${index}].to`, 'expected an E.164 number like +15550001234');
    if (contact.timeZone !== undefined) checkTimeZone(`contacts[${index}].timeZone`, contact.timeZone);
    for (const [key, value] of Object.entries(contact.variables ?? {})) {
      if (typeof value !== 'string') throw new ConfigError(`contacts[${index}].variables.${key}`, 'expected a string');
    }
  });
  if (options.agent !== undefined && (typeof options.agent !== 'string' || options.agent === '')) throw new ConfigError('agent', 'expected the name of a served agent');
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new ConfigError('concurrency', 'expected an integer >= 1');
  if (!Array.isArray(options.fromNumbers) || options.fromNumbers.length === 0) throw new ConfigError('fromNumbers', 'expected a non-empty array');
  options.fromNumbers.forEach((number, index) => {
    if (typeof number !== 'string' || !E164.test(number)) throw new ConfigError(`fromNumbers[${index}]`, 'expected an E.164 number');
  });
  if (options.startAt !== undefined && !Number.isFinite(+options.startAt)) throw new ConfigError('startAt', 'expected a Date or a ms timestamp');
  const retry = options.retry;
  if (retry?.maxAttempts !== undefined && (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1)) {
    throw new ConfigError('retry.maxAttempts', 'expected an integer >= 1');
  }
  if (retry?.backoff !== undefined && !(retry.backoff.baseMs >= 0)) throw new ConfigError('retry.backoff.baseMs', 'expected a number >= 0');
  const window = options.window;
  if (window !== undefined) {
    for (const key of ['from', 'to'] as const) {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(window[key])) throw new ConfigError(`window.${key}`, 'expected HH:MM (24 h)');
    }
    if (window.days !== undefined && (!Array.isArray(window.days) || window.days.some((day) => !Number.isInteger(day) || day < 0 || day > 6))) {
      throw new ConfigError('window.days', 'expected week days 0 (Sunday) to 6');
    }
    if (window.timeZone !== undefined) checkTimeZone('window.timeZone', window.timeZone);
  }
}

function checkTimeZone(option: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ConfigError(option, 'expected an IANA time zone like Europe/Rome');
  }
}
