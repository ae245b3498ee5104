import { randomBytes } from 'node:crypto';
import { WaitableLog } from '../fakes/waitable-log.js';
import { FakeRestServer, type RecordedRequest, type RestAnswer } from './fake-rest-server.js';
import { FakeTwilioIncomingNumbers } from './fake-twilio-incoming-numbers.js';

/** A call the fake Twilio REST API created or was told about, with the form fields it got. */
export interface FakeTwilioCall {
  readonly sid: string;
  readonly form: URLSearchParams;
  status: string;
  /** AMD result on the Call resource (`human`, `machine_end_beep`…), once known. */
  answeredBy?: string;
  /** When the API created it (ms epoch); absent for calls made known with `addCall`. */
  readonly createdAt?: number;
}

/** A call update (`Status=completed`, `Twiml=<Dial>`…) or recording request the API accepted. */
export interface FakeTwilioUpdate {
  readonly callSid: string;
  readonly kind: 'update' | 'recording';
  readonly form: URLSearchParams;
}

const EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
const error = (status: number, code: number, message: string): RestAnswer => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

/**
 * A loopback fake of Twilio's 2010-04-01 Calls API, as strict as Twilio: Basic auth, form
 * encoding, required fields and enums; 404 (20404) for unknown or finished calls.
 */
export class FakeTwilioApi extends FakeRestServer {
  readonly calls = new WaitableLog<FakeTwilioCall>('created call');
  readonly updates = new WaitableLog<FakeTwilioUpdate>('call update');
  /** The account's numbers (IncomingPhoneNumbers): add them, then read what `autoConfigure` changed. */
  readonly incomingNumbers: FakeTwilioIncomingNumbers;
  private readonly known = new Map<string, FakeTwilioCall>();
  /** Called after an accepted hang-up (`Status=completed`), e.g. to make the simulator send `stop`. */
  onHangup: ((callSid: string) => void) | undefined;

  constructor(readonly accountSid: string, private readonly username: string, private readonly password: string) {
    super();
    const base = `^/2010-04-01/Accounts/([^/]+)`;
    this.route('POST', new RegExp(`${base}/Calls\\.json$`), (r, m) => this.guard(r, m, () => this.create(r)));
    this.route('GET', new RegExp(`${base}/Calls\\.json$`), (r, m) => this.guard(r, m, () => this.list(r)));
    this.route('POST', new RegExp(`${base}/Calls/([^/]+)\\.json$`), (r, m) => this.guard(r, m, () => this.update(r, m[2]!)));
    this.route('POST', new RegExp(`${base}/Calls/([^/]+)/Recordings\\.json$`), (r, m) => this.guard(r, m, () => this.record(r, m[2]!)));
    this.incomingNumbers = new FakeTwilioIncomingNumbers(accountSid);
    this.incomingNumbers.mount(this, (r, m, next) => this.guard(r, m, next));
  }

  /** Make an (inbound) call known so updates on it succeed. */
  addCall(sid: string, status = 'in-progress'): void {
    this.known.set(sid, { sid, form: new URLSearchParams(), status });
  }

  /** Mark a call finished (the caller hung up); later updates answer 404. */
  endCall(sid: string): void {
    const call = this.known.get(sid);
    if (call) call.status = 'completed';
  }

  private guard(request: RecordedRequest, match: RegExpExecArray, next: () => RestAnswer): RestAnswer {
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    if (match[1] !== this.accountSid) return error(404, 20404, 'The requested resource was not found');
    if (request.method === 'GET') return next();
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return error(400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
    }
    return next();
  }

  private create(request: RecordedRequest): RestAnswer {
    const form = new URLSearchParams(request.body);
    for (const name of ['To', 'From']) if (!form.get(name)) return error(400, 21201, `Required parameter ${name} missing`);
    const targets = ['Url', 'Twiml', 'ApplicationSid'].filter((name) => form.has(name));
    if (targets.length !== 1) return error(400, 21205, 'Exactly one of Url, Twiml or ApplicationSid is required');
    if ((form.get('Twiml') ?? '').length > 4000) return error(400, 21232, 'Twiml too long');
    if (form.getAll('StatusCallbackEvent').some((e) => !EVENTS.has(e))) return error(400, 21626, 'Invalid StatusCallbackEvent');
    const amd = form.get('MachineDetection');
    if (amd !== null && amd !== 'Enable' && amd !== 'DetectMessageEnd') return error(400, 21626, 'Invalid MachineDetection');
    const asyncAmd = form.get('AsyncAmd');
    if (asyncAmd !== null && asyncAmd !== 'true' && asyncAmd !== 'false') return error(400, 21626, 'Invalid AsyncAmd');
    const call: FakeTwilioCall = { sid: `CA${randomBytes(16).toString('hex')}`, form, status: 'queued', createdAt: Date.now() };
    this.known.set(call.sid, call);
    this.calls.push(call);
    return { status: 201, body: { sid: call.sid, account_sid: this.accountSid, to: form.get('To'), from: form.get('From'), status: 'queued', direction: 'outbound-api' } };
  }

  /**
   * `GET Calls.json?To=&From=&PageSize=` (Twilio's list filters): the first page, newest first,
   * with `date_created` in RFC 2822 and `answered_by` (null until AMD answered).
   */
  private list(request: RecordedRequest): RestAnswer {
    const to = request.query.get('To');
    const from = request.query.get('From');
    const size = request.query.get('PageSize');
    const pageSize = size === null ? 50 : Number(size);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return error(400, 20001, 'Invalid PageSize');
    const calls = [...this.known.values()]
      .filter((call) => call.createdAt !== undefined && (to === null || call.form.get('To') === to) && (from === null || call.form.get('From') === from))
      .reverse()
      .slice(0, pageSize)
      .map((call) => ({
        sid: call.sid,
        account_sid: this.accountSid,
        to: call.form.get('To'),
        from: call.form.get('From'),
        status: call.status,
        direction: 'outbound-api',
        answered_by: call.answeredBy ?? null,
        date_created: new Date(call.createdAt as number).toUTCString(),
      }));
    return { status: 200, body: { calls, page: 0, page_size: pageSize, next_page_uri: null } };
  }

  private update(request: RecordedRequest, callSid: string): RestAnswer {
    const call = this.known.get(callSid);
    if (call === undefined || call.status === 'completed') return error(404, 20404, 'The requested resource was not found');
    const form = new URLSearchParams(request.body);
    const status = form.get('Status');
    if (status !== null && status !== 'completed' && status !== 'canceled') return error(400, 21626, 'Invalid Status');
    if (form.has('Twiml') && form.has('Url')) return error(400, 21626, 'Twiml and Url are mutually exclusive');
    if (status === null && !form.has('Twiml') && !form.has('Url')) return error(400, 21626, 'Nothing to update');
    if (status !== null) call.status = 'completed';
    this.updates.push({ callSid, kind: 'update', form });
    if (status !== null) setImmediate(() => this.onHangup?.(callSid));
    return { status: 200, body: { sid: callSid, status: call.status } };
  }

  private record(request: RecordedRequest, callSid: string): RestAnswer {
    const call = this.known.get(callSid);
    if (call === undefined || call.status === 'completed') return error(404, 20404, 'The requested resource was not found');
    const form = new URLSearchParams(request.body);
    const channels = form.get('RecordingChannels');
    if (channels !== null && channels !== 'mono' && channels !== 'dual') return error(400, 21626, 'Invalid RecordingChannels');
    this.updates.push({ callSid, kind: 'recording', form });
    return { status: 201, body: { sid: `RE${randomBytes(16).toString('hex')}`, call_sid: callSid, status: 'in-progress' } };
  }
}
