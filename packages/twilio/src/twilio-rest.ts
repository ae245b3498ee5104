import { httpRequest, joinUrl, ProviderStatusError } from '@patter/core';

export interface TwilioRestOptions {
  readonly baseUrl: string;
  readonly accountSid: string;
  /** Basic-auth user: an API key SID, or the account SID. */
  readonly username: string;
  /** Basic-auth password: the API key secret, or the auth token. */
  readonly password: string;
  /** Named in the auth error on a 401/403: the variables of the credentials in use. */
  readonly credentialEnv: string;
  readonly timeoutMs: number;
}

export type FormFields = ReadonlyArray<readonly [string, string | undefined]>;

/** The parts of Twilio's 2010-04-01 REST API that Patter uses; form-encoded, JSON answers. */
export class TwilioRest {
  private readonly authorization: string;

  constructor(private readonly options: TwilioRestOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  /** `POST /Accounts/{sid}/Calls.json` → the new call's SID. */
  async createCall(fields: FormFields, signal?: AbortSignal): Promise<string> {
    const body = await this.post('/Calls.json', fields, signal);
    const sid = (body as { sid?: unknown }).sid;
    if (typeof sid !== 'string') throw new ProviderStatusError('twilio', 502, 'call created without a sid');
    return sid;
  }

  /** `POST /Accounts/{sid}/Calls/{CallSid}.json` (hang up, redirect to new TwiML). */
  async updateCall(callSid: string, fields: FormFields, signal?: AbortSignal): Promise<void> {
    await this.post(`/Calls/${encodeURIComponent(callSid)}.json`, fields, signal);
  }

  /** `POST /Accounts/{sid}/Calls/{CallSid}/Recordings.json`. */
  async startRecording(callSid: string, fields: FormFields, signal?: AbortSignal): Promise<void> {
    await this.post(`/Calls/${encodeURIComponent(callSid)}/Recordings.json`, fields, signal);
  }

  private async post(path: string, fields: FormFields, signal?: AbortSignal): Promise<unknown> {
    const form = new URLSearchParams();
    for (const [name, value] of fields) if (value !== undefined) form.append(name, value);
    const url = joinUrl(this.options.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(this.options.accountSid)}${path}`);
    const response = await httpRequest(url, {
      provider: 'twilio',
      method: 'POST',
      headers: {
        authorization: this.authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs,
      apiKeyEnv: this.options.credentialEnv,
      ...(signal === undefined ? {} : { signal }),
    });
    return response.body.json().catch(() => ({}));
  }
}

/** Twilio's error code in a failed request's body (`{"code":20404,…}`), if any. */
export function twilioErrorCode(error: unknown): number | undefined {
  if (!(error instanceof ProviderStatusError) || typeof error.body !== 'string') return undefined;
  try {
    const code = (JSON.parse(error.body) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

