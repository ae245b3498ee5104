import { WaitableLog } from '../fakes/waitable-log.js';
import type { FakeRestServer, RecordedRequest, RestAnswer } from './fake-rest-server.js';

/** A number of the fake Telnyx account (fields as `GET /v2/phone_numbers` names them). */
export interface FakeTelnyxPhoneNumber {
  readonly id: string;
  readonly phone_number: string;
  connection_id: string | null;
}

/** A Call Control application of the fake Telnyx account. */
export interface FakeTelnyxApplication {
  readonly id: string;
  application_name: string;
  webhook_event_url: string;
  webhook_api_version: '1' | '2';
}

/** An accepted PATCH, with its JSON body. */
export interface FakeTelnyxPatch {
  readonly resource: 'phone_numbers' | 'call_control_applications';
  readonly id: string;
  readonly body: Record<string, unknown>;
}

const fail = (status: number, code: string, title: string, pointer?: string): RestAnswer => ({
  status,
  body: { errors: [{ code, title, detail: title, ...(pointer ? { source: { pointer } } : {}) }] },
});
const NOT_FOUND = fail(404, '10005', 'Resource not found');

/**
 * Phone numbers and Call Control applications of the fake Telnyx API (mounted by `FakeTelnyxApi`):
 * `GET /v2/phone_numbers?filter[phone_number]=` (a part of the number, digits only: a non-digit
 * yields no numbers, as Telnyx documents), `PATCH /v2/phone_numbers/{id}` (`connection_id` must be a known
 * connection), `GET` and `PATCH /v2/call_control_applications/{id}` (the update requires
 * `application_name` and `webhook_event_url` with a scheme). Bearer auth; JSON bodies on PATCH.
 */
export class FakeTelnyxNumbers {
  readonly patches = new WaitableLog<FakeTelnyxPatch>('telnyx PATCH');
  private readonly numbers = new Map<string, FakeTelnyxPhoneNumber>();
  private readonly applications = new Map<string, FakeTelnyxApplication>();
  private nextId = 1293384261075731000n;

  constructor(private readonly apiKey: string) {}

  /** Adds a number (on no connection unless given); returns it, live. */
  addNumber(phoneNumber: string, connectionId: string | null = null): FakeTelnyxPhoneNumber {
    const number: FakeTelnyxPhoneNumber = { id: this.newId(), phone_number: phoneNumber, connection_id: connectionId };
    this.numbers.set(number.id, number);
    return number;
  }

  /** Adds a Call Control application; returns it, live. */
  addApplication(fields: Partial<Omit<FakeTelnyxApplication, 'id'>> & { readonly id?: string } = {}): FakeTelnyxApplication {
    const app: FakeTelnyxApplication = {
      application_name: 'patter-app',
      webhook_event_url: 'https://example.com/old-webhook',
      webhook_api_version: '2',
      ...fields,
      id: fields.id ?? this.newId(),
    };
    this.applications.set(app.id, app);
    return app;
  }

  number(phoneNumber: string): FakeTelnyxPhoneNumber | undefined {
    return [...this.numbers.values()].find((number) => number.phone_number === phoneNumber);
  }

  application(id: string): FakeTelnyxApplication | undefined {
    return this.applications.get(id);
  }

  mount(server: FakeRestServer): void {
    server.route('GET', /^\/v2\/phone_numbers$/, (r) => this.guard(r, () => this.listNumbers(r)));
    server.route('PATCH', /^\/v2\/phone_numbers\/([^/]+)$/, (r, m) => this.guard(r, (body) => this.patchNumber(decodeURIComponent(m[1]!), body!)));
    server.route('GET', /^\/v2\/call_control_applications\/([^/]+)$/, (r, m) => this.guard(r, () => this.getApplication(decodeURIComponent(m[1]!))));
    server.route('PATCH', /^\/v2\/call_control_applications\/([^/]+)$/, (r, m) =>
      this.guard(r, (body) => this.patchApplication(decodeURIComponent(m[1]!), body!)),
    );
  }

  private guard(request: RecordedRequest, next: (body: Record<string, unknown> | undefined) => RestAnswer): RestAnswer {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return fail(401, '10009', 'Authentication failed');
    if (request.method === 'GET') return next(undefined);
    if (!request.headers['content-type']?.startsWith('application/json')) return fail(415, '10015', 'Content-Type must be application/json');
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return fail(400, '10015', 'Invalid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, '10015', 'Body must be an object');
    return next(body as Record<string, unknown>);
  }

  private listNumbers(request: RecordedRequest): RestAnswer {
    const filter = request.query.get('filter[phone_number]');
    const data = [...this.numbers.values()]
      .filter((number) => filter === null || (/^\d+$/.test(filter) && number.phone_number.replace(/\D/g, '').includes(filter)))
      .map((number) => this.numberJson(number));
    return { status: 200, body: { data, meta: { page_number: 1, page_size: 20, total_pages: 1, total_results: data.length } } };
  }

  private patchNumber(id: string, body: Record<string, unknown>): RestAnswer {
    const number = this.numbers.get(id);
    if (number === undefined) return NOT_FOUND;
    if (body.connection_id !== undefined) {
      if (typeof body.connection_id !== 'string' || !this.applications.has(body.connection_id)) {
        return fail(422, '10015', 'connection_id is not a connection of this account', '/connection_id');
      }
      number.connection_id = body.connection_id;
    }
    this.patches.push({ resource: 'phone_numbers', id, body });
    return { status: 200, body: { data: this.numberJson(number) } };
  }

  private getApplication(id: string): RestAnswer {
    const app = this.applications.get(id);
    return app === undefined ? NOT_FOUND : { status: 200, body: { data: this.applicationJson(app) } };
  }

  private patchApplication(id: string, body: Record<string, unknown>): RestAnswer {
    const app = this.applications.get(id);
    if (app === undefined) return NOT_FOUND;
    if (typeof body.application_name !== 'string' || body.application_name === '') {
      return fail(422, '10032', 'application_name is required', '/application_name');
    }
    if (typeof body.webhook_event_url !== 'string' || !/^https?:\/\/\S+$/.test(body.webhook_event_url)) {
      return fail(422, '10032', 'webhook_event_url must include a scheme, such as https', '/webhook_event_url');
    }
    if (body.webhook_api_version !== undefined && body.webhook_api_version !== '1' && body.webhook_api_version !== '2') {
      return fail(422, '10032', 'invalid webhook_api_version', '/webhook_api_version');
    }
    app.application_name = body.application_name;
    app.webhook_event_url = body.webhook_event_url;
    if (body.webhook_api_version !== undefined) app.webhook_api_version = body.webhook_api_version;
    this.patches.push({ resource: 'call_control_applications', id, body });
    return { status: 200, body: { data: this.applicationJson(app) } };
  }

  private numberJson(number: FakeTelnyxPhoneNumber): Record<string, unknown> {
    const app = number.connection_id === null ? undefined : this.applications.get(number.connection_id);
    return { ...number, connection_name: app?.application_name ?? null, record_type: 'phone_number', status: 'active', tags: [] };
  }

  private applicationJson(app: FakeTelnyxApplication): Record<string, unknown> {
    return { ...app, active: true, record_type: 'call_control_application', webhook_event_failover_url: '', webhook_timeout_secs: null };
  }

  private newId(): string {
    this.nextId += 1n;
    return String(this.nextId);
  }
}
