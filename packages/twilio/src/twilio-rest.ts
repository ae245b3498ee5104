import { ProviderStatusError } from '@patter/core';
import { httpRequest, joinUrl } from '@patter/core/plugin';

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

/** The fields of a Call resource Patter reads. */
export interface TwilioCallJson {
  readonly sid: string;
  readonly status: string;
  /** RFC 2822. */
  readonly date_created?: string | null;
  readonly answered_by?: string | null;
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

  /**
   * `GET /Accounts/{sid}/Calls.json?To=&From=&PageSize=`: the first page (newest first). No
   * `StartTime>` filter: it is day-granular and reads `start_time`, which stays empty until a
   * queued call is dialed; callers filter on `date_created` instead.
   */
  async listCalls(query: { readonly to: string; readonly from: string; readonly pageSize: number }, signal?: AbortSignal): Promise<readonly TwilioCallJson[]> {
    const params = new URLSearchParams({ To: query.to, From: query.from, PageSize: String(query.pageSize) });
    const url = joinUrl(this.options.baseUrl, `/2010-04-01/Accounts/${encodeURIComponent(this.options.accountSid)}/Calls.json?${params}`);
    const response = await httpRequest(url, {
      provider: 'twilio',
      method: 'GET',
      headers: { authorization: this.authorization, accept: 'application/json' },
      timeoutMs: this.options.timeoutMs,
      apiKeyEnv: this.options.credentialEnv,
      ...(signal === undefined ? {} : { signal }),
    });
    const body = (await response.body.json().catch(() => ({}))) as { calls?: unknown };
    if (!Array.isArray(body.calls)) throw new ProviderStatusError('twilio', 502, 'call list without a calls array');
    return body.calls.filter((call): call is TwilioCallJson => typeof (call as TwilioCallJson)?.sid === 'string' && typeof (call as TwilioCallJson).status === 'string');
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

