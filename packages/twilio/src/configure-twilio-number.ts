/*
 * Zero-touch setup of a Twilio number's inbound voice webhook (REST API 2010-04-01).
 *
 * Verified against:
 * - https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource — list
 *   `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json?PhoneNumber=` (answer: an
 *   `incoming_phone_numbers` page), update `POST …/IncomingPhoneNumbers/{Sid}.json` with the form
 *   fields `VoiceUrl` and `VoiceMethod` (GET|POST); instance fields `sid`, `phone_number`,
 *   `voice_url`, `voice_method`, `voice_application_sid`, `trunk_sid`. A number with a
 *   `voice_application_sid` (TwiML App) or `trunk_sid` (SIP trunk) ignores its voice URLs.
 * - twilio-node / twilio-oai `IncomingPhoneNumber` update options (`voiceUrl`, `voiceMethod`);
 *   TwilioDevEd/api-snippets rest/incoming-phone-numbers (list by `phoneNumber`, update `voiceUrl`).
 * - ../shared/protocols/twilio.md §1, §4: Basic auth, form-urlencoded bodies, `.json` answers.
 *
 * The number's StatusCallback is left alone: inbound calls end through their media stream, and
 * Patter's status route serves the outbound calls it places (their callback is set per call).
 */
import { ConfigError, ProviderStatusError, type WebhookChange } from '@patter/core';
import { httpRequest, joinUrl, maskPhoneNumber } from '@patter/core/plugin';
import type { TwilioRestOptions } from './twilio-rest.js';

/** The fields of an IncomingPhoneNumber Patter reads. */
interface IncomingPhoneNumberJson {
  readonly sid: string;
  readonly phone_number: string;
  readonly voice_url?: string | null;
  readonly voice_method?: string | null;
  readonly voice_application_sid?: string | null;
  readonly trunk_sid?: string | null;
}

export interface ConfigureTwilioNumberRequest {
  readonly phoneNumber: string;
  /** The server's voice webhook, `https://…/twilio/voice`. */
  readonly voiceUrl: string;
  readonly signal?: AbortSignal;
}

/**
 * Points the IncomingPhoneNumber `phoneNumber` at `voiceUrl` (POST), sending only the fields that
 * differ; reports both fields. Rejects with `ConfigError('phoneNumber')` when the account has no
 * such number, and when the number answers through a TwiML App or SIP trunk (its VoiceUrl is then
 * ignored by Twilio, so changing it would change nothing).
 */
export async function configureTwilioNumber(rest: TwilioRestOptions, request: ConfigureTwilioNumberRequest): Promise<WebhookChange[]> {
  const { phoneNumber, voiceUrl, signal } = request;
  const number = await findNumber(rest, phoneNumber, signal);
  const resource = `IncomingPhoneNumber ${number.sid} (${maskPhoneNumber(phoneNumber)})`;
  if (number.voice_application_sid) {
    throw new ConfigError('phoneNumber', `${phoneNumber} answers calls with TwiML App ${number.voice_application_sid}, so Twilio ignores its VoiceUrl; point that app at ${voiceUrl}, or clear it from the number, then retry`);
  }
  if (number.trunk_sid) {
    throw new ConfigError('phoneNumber', `${phoneNumber} is on SIP trunk ${number.trunk_sid}, so Twilio ignores its VoiceUrl; take it off the trunk, then retry`);
  }
  const wanted: [field: string, before: string | undefined, after: string][] = [
    ['VoiceUrl', number.voice_url ?? undefined, voiceUrl],
    ['VoiceMethod', number.voice_method ?? undefined, 'POST'],
  ];
  const changes = wanted.map(([field, before, after]): WebhookChange => ({ resource, field, before, after, changed: before !== after }));
  const form = new URLSearchParams();
  for (const change of changes) if (change.changed) form.append(change.field, change.after);
  if (form.toString() !== '') {
    await send(rest, 'POST', `/IncomingPhoneNumbers/${encodeURIComponent(number.sid)}.json`, form.toString(), signal);
  }
  return changes;
}

async function findNumber(rest: TwilioRestOptions, phoneNumber: string, signal: AbortSignal | undefined): Promise<IncomingPhoneNumberJson> {
  const body = (await send(rest, 'GET', `/IncomingPhoneNumbers.json?${new URLSearchParams({ PhoneNumber: phoneNumber })}`, undefined, signal)) as {
    incoming_phone_numbers?: unknown;
  };
  if (!Array.isArray(body.incoming_phone_numbers)) {
    throw new ProviderStatusError('twilio', 502, 'IncomingPhoneNumbers list without an incoming_phone_numbers array');
  }
  const found = (body.incoming_phone_numbers as IncomingPhoneNumberJson[]).find(
    (entry) => typeof entry?.sid === 'string' && entry.phone_number === phoneNumber,
  );
  if (found === undefined) {
    throw new ConfigError('phoneNumber', `${phoneNumber} is not a phone number of Twilio account ${rest.accountSid}: buy or port it there, or fix phoneNumber`);
  }
  return found;
}

async function send(rest: TwilioRestOptions, method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
  const authorization = `Basic ${Buffer.from(`${rest.username}:${rest.password}`).toString('base64')}`;
  const response = await httpRequest(joinUrl(rest.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(rest.accountSid)}`) + path, {
    provider: 'twilio',
    method,
    headers: {
      authorization,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
    timeoutMs: rest.timeoutMs,
    apiKeyEnv: rest.credentialEnv,
    ...(signal === undefined ? {} : { signal }),
  });
  return response.body.json().catch(() => ({}));
}
