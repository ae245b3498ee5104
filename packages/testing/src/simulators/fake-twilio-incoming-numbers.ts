import { randomBytes } from 'node:crypto';
import { WaitableLog } from '../fakes/waitable-log.js';
import type { FakeRestServer, RecordedRequest, RestAnswer } from './fake-rest-server.js';

/** A number of the fake Twilio account (the IncomingPhoneNumber resource, as Twilio names its fields). */
export interface FakeTwilioIncomingNumber {
  readonly sid: string;
  readonly phone_number: string;
  voice_url: string | null;
  voice_method: string;
  voice_application_sid: string | null;
  trunk_sid: string | null;
  status_callback: string;
  status_callback_method: string;
}

/** An accepted `POST IncomingPhoneNumbers/{Sid}.json`, with its form. */
export interface FakeTwilioNumberUpdate {
  readonly sid: string;
  readonly form: URLSearchParams;
}

const METHODS = new Set(['GET', 'POST']);
const UPDATABLE = new Set(['VoiceUrl', 'VoiceMethod', 'VoiceFallbackUrl', 'VoiceFallbackMethod', 'StatusCallback', 'StatusCallbackMethod', 'VoiceApplicationSid', 'TrunkSid', 'FriendlyName']);
const error = (status: number, code: number, message: string): RestAnswer => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/**
 * The IncomingPhoneNumbers resource of the fake Twilio API (mounted by `FakeTwilioApi`): list with
 * the `PhoneNumber` filter (an `incoming_phone_numbers` page), update by SID with form fields
 * (`VoiceUrl`, `VoiceMethod` …; an unknown SID is 404 20404). Basic auth and the account are
 * checked as on the Calls resource. Stricter than Twilio in one way: a parameter the resource does
 * not have is refused (Twilio ignores it), so a misspelt field fails the test instead of passing.
 */
export class FakeTwilioIncomingNumbers {
  readonly updates = new WaitableLog<FakeTwilioNumberUpdate>('number update');
  private readonly numbers = new Map<string, FakeTwilioIncomingNumber>();

  constructor(private readonly accountSid: string) {}

  /** Add a number to the account (voice URL unset unless given); returns it, live. */
  add(phoneNumber: string, fields: Partial<Omit<FakeTwilioIncomingNumber, 'sid' | 'phone_number'>> = {}): FakeTwilioIncomingNumber {
    const number: FakeTwilioIncomingNumber = {
      sid: `PN${randomBytes(16).toString('hex')}`,
      phone_number: phoneNumber,
      voice_url: null,
      voice_method: 'POST',
      voice_application_sid: null,
      trunk_sid: null,
      status_callback: '',
      status_callback_method: 'POST',
      ...fields,
    };
    this.numbers.set(number.sid, number);
    return number;
  }

  /** The number as the fake holds it now. */
  get(phoneNumber: string): FakeTwilioIncomingNumber | undefined {
    return [...this.numbers.values()].find((number) => number.phone_number === phoneNumber);
  }

  /** Mounts the routes; `guard` checks auth, account and content type as for every resource. */
  mount(server: FakeRestServer, guard: (request: RecordedRequest, match: RegExpExecArray, next: () => RestAnswer) => RestAnswer): void {
    const base = `^/2010-04-01/Accounts/([^/]+)/IncomingPhoneNumbers`;
    server.route('GET', new RegExp(`${base}\\.json$`), (r, m) => guard(r, m, () => this.list(r)));
    server.route('POST', new RegExp(`${base}/([^/]+)\\.json$`), (r, m) => guard(r, m, () => this.update(r, m[2]!)));
  }

  /** `PhoneNumber` matches a part of the number (Twilio also takes partial numbers). */
  private list(request: RecordedRequest): RestAnswer {
    const filter = request.query.get('PhoneNumber');
    const matching = [...this.numbers.values()].filter((number) => filter === null || number.phone_number.includes(filter));
    const uri = `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers.json`;
    return {
      status: 200,
      body: {
        incoming_phone_numbers: matching.map((number) => this.json(number)),
        page: 0,
        page_size: 50,
        start: 0,
        end: Math.max(0, matching.length - 1),
        first_page_uri: `${uri}?PageSize=50&Page=0`,
        next_page_uri: null,
        previous_page_uri: null,
        uri,
      },
    };
  }

  private update(request: RecordedRequest, sid: string): RestAnswer {
    const number = this.numbers.get(sid);
    if (number === undefined) return error(404, 20404, 'The requested resource was not found');
    const form = new URLSearchParams(request.body);
    for (const name of form.keys()) if (!UPDATABLE.has(name)) return error(400, 20001, `Unknown parameter ${name}`);
    for (const name of ['VoiceMethod', 'VoiceFallbackMethod', 'StatusCallbackMethod']) {
      const method = form.get(name);
      if (method !== null && !METHODS.has(method)) return error(400, 21626, `Invalid ${name}`);
    }
    for (const name of ['VoiceUrl', 'VoiceFallbackUrl', 'StatusCallback']) {
      const url = form.get(name);
      if (url !== null && url !== '' && !/^https?:\/\/[^\s]+$/.test(url)) return error(400, 21502, `Invalid ${name}`);
    }
    const voiceUrl = form.get('VoiceUrl');
    if (voiceUrl !== null) number.voice_url = voiceUrl;
    const voiceMethod = form.get('VoiceMethod');
    if (voiceMethod !== null) number.voice_method = voiceMethod;
    this.updates.push({ sid, form });
    return { status: 200, body: this.json(number) };
  }

  private json(number: FakeTwilioIncomingNumber): Record<string, unknown> {
    return {
      ...number,
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      friendly_name: number.phone_number,
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      uri: `/2010-04-01/Accounts/${this.accountSid}/IncomingPhoneNumbers/${number.sid}.json`,
    };
  }
}
