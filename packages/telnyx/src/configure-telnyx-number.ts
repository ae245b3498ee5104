/*
 * Zero-touch setup of a Telnyx number for Call Control (API v2, JSON, Bearer auth).
 *
 * Verified against:
 * - https://developers.telnyx.com/api-reference/phone-number-configurations/update-a-phone-number
 *   (`PATCH /v2/phone_numbers/{id}`, body `connection_id`, answer `{ data: PhoneNumberDetailed }`)
 *   and telnyx-node `src/resources/phone-numbers/phone-numbers.ts`: list `GET /v2/phone_numbers`
 *   with `filter[phone_number]` ("requires at least three digits; non-numerical characters will
 *   result in no values being returned", so the digits are sent and the `+E.164` matched here),
 *   answer `{ data: [{ id, phone_number, connection_id, … }], meta }`.
 * - https://developers.telnyx.com/api-reference/call-control-applications/update-a-call-control-application
 *   (`PATCH /v2/call_control_applications/{id}`) and telnyx-node
 *   `src/resources/call-control-applications.ts`: retrieve `GET …/{id}` → `{ data }`; the update
 *   body requires `application_name` and `webhook_event_url`; `webhook_api_version` is '1' | '2'.
 * - ../shared/protocols/telnyx.md §1: base `https://api.telnyx.com/v2`, `Authorization: Bearer`.
 *
 * Patter's webhook route reads API v2 events, so `webhook_api_version` '1' is set to '2' too.
 */
import { ConfigError, ProviderStatusError, type WebhookChange } from '@patter/core';
import { httpRequest, maskPhoneNumber } from '@patter/core/plugin';
import type { TelnyxRestOptions } from './telnyx-rest.js';

interface PhoneNumberJson {
  readonly id: string;
  readonly phone_number: string;
  readonly connection_id?: string | null;
}

interface CallControlApplicationJson {
  readonly id?: string;
  readonly application_name?: string;
  readonly webhook_event_url?: string | null;
  readonly webhook_api_version?: string | null;
}

export interface ConfigureTelnyxNumberRequest {
  readonly phoneNumber: string;
  /** The Call Control application (`TELNYX_CONNECTION_ID`). */
  readonly connectionId: string | undefined;
  /** The server's webhook, `https://…/telnyx/webhook`. */
  readonly webhookUrl: string;
  readonly signal?: AbortSignal;
}

/**
 * Puts `phoneNumber` on the Call Control application `connectionId` and points the application's
 * `webhook_event_url` at `webhookUrl`, changing only what differs. Everything is read before
 * anything is changed, so an unknown number or application changes nothing.
 */
export async function configureTelnyxNumber(rest: TelnyxRestOptions, request: ConfigureTelnyxNumberRequest): Promise<WebhookChange[]> {
  const { phoneNumber, connectionId, webhookUrl, signal } = request;
  if (!connectionId) {
    throw new ConfigError('connectionId', 'autoConfigure needs the Call Control application id: pass connectionId or set TELNYX_CONNECTION_ID', {
      envVar: 'TELNYX_CONNECTION_ID',
    });
  }
  const number = await findNumber(rest, phoneNumber, signal);
  const app = await findApplication(rest, connectionId, signal);
  const numberResource = `phone_number ${number.id} (${maskPhoneNumber(phoneNumber)})`;
  const appResource = `call_control_application ${connectionId}`;
  const numberChange = change(numberResource, 'connection_id', number.connection_id, connectionId);
  const appChanges = [change(appResource, 'webhook_event_url', app.webhook_event_url, webhookUrl)];
  if (app.webhook_api_version === '1') appChanges.push(change(appResource, 'webhook_api_version', '1', '2'));

  if (numberChange.changed) {
    await send(rest, 'PATCH', `/phone_numbers/${encodeURIComponent(number.id)}`, { connection_id: connectionId }, signal);
  }
  if (appChanges.some((c) => c.changed)) {
    // The update requires application_name and webhook_event_url, even when only one changes.
    const body: Record<string, unknown> = { application_name: app.application_name, webhook_event_url: webhookUrl };
    if (app.webhook_api_version === '1') body.webhook_api_version = '2';
    await send(rest, 'PATCH', `/call_control_applications/${encodeURIComponent(connectionId)}`, body, signal);
  }
  return [numberChange, ...appChanges];
}

function change(resource: string, field: string, before: string | null | undefined, after: string): WebhookChange {
  return { resource, field, before: before ?? undefined, after, changed: before !== after };
}

async function findNumber(rest: TelnyxRestOptions, phoneNumber: string, signal: AbortSignal | undefined): Promise<PhoneNumberJson> {
  const query = new URLSearchParams({ 'filter[phone_number]': phoneNumber.replace(/\D/g, '') });
  const body = (await send(rest, 'GET', `/phone_numbers?${query}`, undefined, signal)) as { data?: unknown };
  if (!Array.isArray(body.data)) throw new ProviderStatusError('telnyx', 502, 'phone number list without a data array');
  const found = (body.data as PhoneNumberJson[]).find((entry) => typeof entry?.id === 'string' && entry.phone_number === phoneNumber);
  if (found === undefined) {
    throw new ConfigError('phoneNumber', `${phoneNumber} is not a phone number of this Telnyx account (TELNYX_API_KEY): buy or port it there, or fix phoneNumber`);
  }
  return found;
}

async function findApplication(rest: TelnyxRestOptions, connectionId: string, signal: AbortSignal | undefined): Promise<CallControlApplicationJson> {
  try {
    const body = (await send(rest, 'GET', `/call_control_applications/${encodeURIComponent(connectionId)}`, undefined, signal)) as { data?: CallControlApplicationJson };
    if (typeof body.data !== 'object' || body.data === null) throw new ProviderStatusError('telnyx', 502, 'call control application without data');
    return body.data;
  } catch (error) {
    if (error instanceof ProviderStatusError && error.status === 404) {
      throw new ConfigError('connectionId', `${connectionId} is not a Call Control application of this Telnyx account: fix connectionId (TELNYX_CONNECTION_ID)`, {
        envVar: 'TELNYX_CONNECTION_ID',
      });
    }
    throw error;
  }
}

async function send(
  rest: TelnyxRestOptions,
  method: 'GET' | 'PATCH',
  path: string,
  body: Record<string, unknown> | undefined,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const response = await httpRequest(rest.baseUrl + path, {
    provider: 'telnyx',
    method,
    headers: { authorization: `Bearer ${rest.apiKey}`, accept: 'application/json' },
    ...(body === undefined ? {} : { body }),
    timeoutMs: rest.timeoutMs,
    apiKeyEnv: 'TELNYX_API_KEY',
    ...(signal === undefined ? {} : { signal }),
  });
  return response.body.json().catch(() => ({}));
}
