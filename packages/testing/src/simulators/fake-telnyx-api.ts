import { randomUUID } from 'node:crypto';
import { isBase64 } from '@patter/core/plugin';
import { WaitableLog } from '../fakes/waitable-log.js';
import { FakeRestServer, type RecordedRequest, type RestAnswer } from './fake-rest-server.js';
import { FakeTelnyxNumbers } from './fake-telnyx-numbers.js';

/** A command the fake Telnyx API accepted (`answer`, `hangup`, `transfer` …), with its JSON body. */
export interface FakeTelnyxCommand {
  readonly callControlId: string;
  readonly action: string;
  readonly body: Record<string, unknown>;
}

/** An outbound call the fake Telnyx API dialed. */
export interface FakeTelnyxDial {
  readonly callControlId: string;
  readonly body: Record<string, unknown>;
}

const CODECS = new Set(['PCMU', 'PCMA', 'G722', 'OPUS', 'AMR-WB', 'L16']);
const AMD = new Set(['premium', 'detect', 'detect_beep', 'detect_words', 'greeting_end', 'disabled']);
const TRACKS = new Set(['inbound_track', 'outbound_track', 'both_tracks']);
const ACTIONS = new Set(['answer', 'hangup', 'reject', 'transfer', 'record_start', 'record_stop', 'streaming_start', 'streaming_stop', 'send_dtmf', 'playback_start', 'speak']);
const fail = (status: number, code: string, title: string, pointer?: string): RestAnswer => ({
  status,
  body: { errors: [{ code, title, detail: title, ...(pointer ? { source: { pointer } } : {}) }] },
});

/**
 * A loopback fake of Telnyx Call Control v2, as strict as Telnyx: Bearer auth, JSON bodies,
 * enums for stream and AMD fields, base64 `client_state`, 422 `90018` on an ended call.
 */
export class FakeTelnyxApi extends FakeRestServer {
  readonly commands = new WaitableLog<FakeTelnyxCommand>('call command');
  readonly dials = new WaitableLog<FakeTelnyxDial>('dial');
  /** The account's phone numbers and Call Control applications: add them, then read what `autoConfigure` changed. */
  readonly numbers: FakeTelnyxNumbers;
  private readonly calls = new Map<string, 'active' | 'ended'>();
  /** Called after an accepted `hangup`/`reject`, e.g. to make the simulator send `stop`. */
  onHangup: ((callControlId: string) => void) | undefined;

  constructor(private readonly apiKey: string) {
    super();
    this.route('POST', /^\/v2\/calls$/, (r) => this.guard(r, (body) => this.dial(body)));
    this.route('POST', /^\/v2\/calls\/([^/]+)\/actions\/([a-z_]+)$/, (r, m) =>
      this.guard(r, (body) => this.command(decodeURIComponent(m[1]!), m[2]!, body)),
    );
    this.numbers = new FakeTelnyxNumbers(apiKey);
    this.numbers.mount(this);
  }

  /** Make a call known (an inbound call that rang). */
  addCall(callControlId: string): void {
    this.calls.set(callControlId, 'active');
  }

  /** The far end hung up: later commands fail with 90018. */
  endCall(callControlId: string): void {
    this.calls.set(callControlId, 'ended');
  }

  private guard(request: RecordedRequest, next: (body: Record<string, unknown>) => RestAnswer): RestAnswer {
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return fail(401, '10009', 'Authentication failed');
    if (!request.headers['content-type']?.startsWith('application/json')) return fail(415, '10015', 'Content-Type must be application/json');
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return fail(400, '10015', 'Invalid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, '10015', 'Body must be an object');
    const record = body as Record<string, unknown>;
    const invalid = checkCommon(record);
    return invalid ?? next(record);
  }

  private dial(body: Record<string, unknown>): RestAnswer {
    for (const field of ['connection_id', 'to', 'from']) {
      if (typeof body[field] !== 'string' || body[field] === '') return fail(422, '10032', `${field} is required`, `/${field}`);
    }
    const timeout = body.timeout_secs;
    if (timeout !== undefined && (typeof timeout !== 'number' || timeout < 5 || timeout > 600)) return fail(422, '10032', 'timeout_secs out of range', '/timeout_secs');
    const callControlId = `v3:${randomUUID()}`;
    this.calls.set(callControlId, 'active');
    this.dials.push({ callControlId, body });
    return { status: 200, body: { data: { call_control_id: callControlId, call_leg_id: randomUUID(), call_session_id: randomUUID(), is_alive: false, record_type: 'call' } } };
  }

  private command(callControlId: string, action: string, body: Record<string, unknown>): RestAnswer {
    if (!ACTIONS.has(action)) return fail(404, '10005', 'Resource not found');
    const state = this.calls.get(callControlId);
    if (state === undefined) return fail(422, '90015', 'Invalid call control id');
    if (state === 'ended') return fail(422, '90018', 'Call has already ended');
    if (action === 'transfer' && typeof body.to !== 'string') return fail(422, '10032', 'to is required', '/to');
    if (action === 'record_start') {
      if (body.channels !== 'single' && body.channels !== 'dual') return fail(422, '10032', 'channels is required', '/channels');
      if (body.format !== 'wav' && body.format !== 'mp3') return fail(422, '10032', 'format is required', '/format');
    }
    if (action === 'send_dtmf' && typeof body.digits !== 'string') return fail(422, '10032', 'digits is required', '/digits');
    if (action === 'hangup' || action === 'reject') this.calls.set(callControlId, 'ended');
    this.commands.push({ callControlId, action, body });
    if (action === 'hangup' || action === 'reject') setImmediate(() => this.onHangup?.(callControlId));
    return { status: 200, body: { data: { result: 'ok' } } };
  }
}

/** Checks the fields shared by dial, answer and streaming_start. */
function checkCommon(body: Record<string, unknown>): RestAnswer | undefined {
  if (body.client_state !== undefined && (typeof body.client_state !== 'string' || !isBase64(body.client_state))) {
    return fail(422, '10032', 'client_state must be a valid Base-64 encoded string', '/client_state');
  }
  if (body.stream_url !== undefined && (typeof body.stream_url !== 'string' || !/^wss?:\/\//.test(body.stream_url))) {
    return fail(422, '10032', 'stream_url must be a WebSocket URL', '/stream_url');
  }
  if (body.stream_track !== undefined && !TRACKS.has(String(body.stream_track))) return fail(422, '10032', 'invalid stream_track', '/stream_track');
  if (body.stream_bidirectional_mode !== undefined && body.stream_bidirectional_mode !== 'rtp' && body.stream_bidirectional_mode !== 'mp3') {
    return fail(422, '10032', 'invalid stream_bidirectional_mode', '/stream_bidirectional_mode');
  }
  if (body.stream_bidirectional_codec !== undefined) {
    if (!CODECS.has(String(body.stream_bidirectional_codec))) return fail(422, '10032', 'invalid stream_bidirectional_codec', '/stream_bidirectional_codec');
    if (body.stream_bidirectional_mode !== 'rtp') return fail(422, '10032', 'stream_bidirectional_codec needs rtp mode', '/stream_bidirectional_codec');
  }
  if (body.stream_codec !== undefined && !CODECS.has(String(body.stream_codec)) && body.stream_codec !== 'default') {
    return fail(422, '10032', 'invalid stream_codec', '/stream_codec');
  }
  if (body.answering_machine_detection !== undefined && !AMD.has(String(body.answering_machine_detection))) {
    return fail(422, '10032', 'invalid answering_machine_detection', '/answering_machine_detection');
  }
  return undefined;
}
