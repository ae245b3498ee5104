import type { CarrierHost, CarrierHttpRequest, CarrierHttpResponse, CarrierRoute, MachineDetectionResult } from '@patter/core';
import { maskPhoneNumber, RateLimitedLog } from '@patter/core/plugin';
import { BoundedCache } from './bounded-cache.js';
import { validateTwilioJsonSignature, validateTwilioSignature } from './twilio-signature.js';
import { rejectTwiml, streamTwiml } from './twilio-twiml.js';

export const TWILIO_PATHS = Object.freeze({
  voice: '/twilio/voice',
  status: '/twilio/status',
  amd: '/twilio/amd',
  recording: '/twilio/recording',
  stream: '/twilio/stream',
});

const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
const FORBIDDEN: CarrierHttpResponse = { status: 403, headers: { 'content-type': 'text/plain' }, body: 'invalid signature' };
const NO_CONTENT: CarrierHttpResponse = { status: 204 };
/** Answers remembered for replays: per `CallSid` (voice) and per `I-Twilio-Idempotency-Token` (any webhook). */
const REPLAY_CAPACITY = 4096;
const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';
const SIGNATURE_HINT = 'Twilio signs the exact public URL it called: webhookUrl + path must match the URL configured at Twilio';

/**
 * The webhook parameters of a genuine Twilio request, or undefined when its `X-Twilio-Signature`
 * does not verify (form body, GET query, or JSON body with `bodySHA256`).
 */
export function verifyTwilioRequest(authToken: string, request: CarrierHttpRequest): URLSearchParams | undefined {
  const signature = request.headers['x-twilio-signature'];
  if (request.query.has('bodySHA256')) {
    if (!validateTwilioJsonSignature(authToken, signature, request.url, request.rawBody)) return undefined;
    return jsonParams(request.rawBody);
  }
  const params = request.method === 'GET' ? new URLSearchParams() : new URLSearchParams(request.rawBody.toString('utf8'));
  if (!validateTwilioSignature(authToken, signature, request.url, params)) return undefined;
  if (request.method === 'GET') return new URLSearchParams(request.query);
  return params;
}

/** AMD `AnsweredBy` → carrier-neutral result; the `machine_end_*` values mean the greeting is over. */
export function mapAnsweredBy(answeredBy: string): { result: MachineDetectionResult; greetingEnded: boolean } {
  if (answeredBy === 'human') return { result: 'human', greetingEnded: false };
  if (answeredBy.startsWith('machine_end')) return { result: 'machine', greetingEnded: true };
  if (answeredBy.startsWith('machine')) return { result: 'machine', greetingEnded: false };
  if (answeredBy === 'fax') return { result: 'fax', greetingEnded: false };
  return { result: 'unknown', greetingEnded: false };
}

export interface TwilioRouteOptions {
  readonly authToken: string;
  readonly streamParameters: Readonly<Record<string, string>>;
}

/**
 * Voice, status, AMD and recording webhooks; every one checks the signature first (403 otherwise,
 * logged at most once per source and interval with the URL that was validated).
 *
 * Replays: Twilio retries a webhook with the same `I-Twilio-Idempotency-Token`, and a captured
 * signed request can be re-sent at will (Twilio signatures carry no timestamp). A repeated token
 * gets the first answer back without a second dispatch, and a voice webhook for a `CallSid` already
 * answered gets the same TwiML (same call ref, same stream token), so one call has one stream: the
 * server admits one stream per call ref (409 for the next), and the token still expires as signed.
 */
export function twilioRoutes(host: CarrierHost, options: TwilioRouteOptions): CarrierRoute[] {
  const logger = host.logger.child({ carrier: 'twilio' });
  const invalid = new RateLimitedLog(logger, 'warn', 'twilio webhook signature invalid', host.signal ? { signal: host.signal } : {});
  const byIdempotencyToken = new BoundedCache<CarrierHttpResponse>(REPLAY_CAPACITY);
  const answeredCalls = new BoundedCache<CarrierHttpResponse>(REPLAY_CAPACITY);
  const guarded = (path: string, handler: (params: URLSearchParams, request: CarrierHttpRequest) => CarrierHttpResponse): CarrierRoute[] =>
    (['POST', 'GET'] as const).map((method) => ({
      method,
      path,
      handle: async (request) => {
        const params = verifyTwilioRequest(options.authToken, request);
        if (params === undefined) {
          invalid.log(request.remoteAddress, { path, validatedUrl: request.url, remoteAddress: request.remoteAddress, hint: SIGNATURE_HINT });
          return FORBIDDEN;
        }
        const idempotencyToken = request.headers[IDEMPOTENCY_HEADER];
        const key = idempotencyToken ? `${path} ${idempotencyToken}` : undefined;
        const previous = key === undefined ? undefined : byIdempotencyToken.get(key);
        if (previous !== undefined) {
          logger.info({ path, callId: params.get('CallSid') ?? '' }, 'twilio webhook retry: first answer repeated');
          return previous;
        }
        const response = handler(params, request);
        if (key !== undefined) byIdempotencyToken.set(key, response);
        return response;
      },
    }));
  const callRefOf = (request: CarrierHttpRequest) => request.query.get('callRef') ?? undefined;

  return [
    ...guarded(TWILIO_PATHS.voice, (params) => {
      const callId = params.get('CallSid') ?? '';
      const answered = callId === '' ? undefined : answeredCalls.get(callId);
      if (answered !== undefined) {
        logger.info({ callId }, 'twilio voice webhook replayed: same answer, no second session');
        return answered;
      }
      if (!host.acceptingCalls()) {
        logger.info({ callId }, 'inbound call rejected: not accepting calls');
        return xml(rejectTwiml());
      }
      const callRef = host.newCallRef();
      logger.info({ callId, callRef, from: maskPhoneNumber(params.get('From') ?? '') }, 'inbound call');
      const parameters = {
        ...options.streamParameters,
        callRef,
        direction: 'inbound',
        from: params.get('From') ?? '',
        to: params.get('To') ?? '',
      };
      const answer = xml(streamTwiml(host.streamUrl(callRef), parameters));
      if (callId !== '') answeredCalls.set(callId, answer);
      return answer;
    }),
    ...guarded(TWILIO_PATHS.status, (params, request) => {
      const callId = params.get('CallSid') ?? '';
      const status = params.get('CallStatus') ?? '';
      const callRef = callRefOf(request);
      const ref = callRef === undefined ? {} : { callRef };
      host.onCallEvent({ type: 'status', callId, status, ...ref });
      if (ENDED.has(status)) host.onCallEvent({ type: 'ended', callId, reason: status, ...ref });
      return NO_CONTENT;
    }),
    ...guarded(TWILIO_PATHS.amd, (params, request) => {
      const callRef = callRefOf(request);
      const { result, greetingEnded } = mapAnsweredBy(params.get('AnsweredBy') ?? 'unknown');
      host.onCallEvent({
        type: 'machineDetection',
        callId: params.get('CallSid') ?? '',
        result,
        greetingEnded,
        ...(callRef === undefined ? {} : { callRef }),
      });
      return NO_CONTENT;
    }),
    ...guarded(TWILIO_PATHS.recording, (params, request) => {
      const url = params.get('RecordingUrl');
      const callRef = callRefOf(request);
      if (url !== null && (params.get('RecordingStatus') ?? 'completed') === 'completed') {
        const duration = Number(params.get('RecordingDuration') ?? NaN);
        host.onCallEvent({
          type: 'recording',
          callId: params.get('CallSid') ?? '',
          url,
          ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
          ...(callRef === undefined ? {} : { callRef }),
        });
      }
      return NO_CONTENT;
    }),
  ];
}

function xml(body: string): CarrierHttpResponse {
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

function jsonParams(rawBody: Buffer): URLSearchParams {
  const params = new URLSearchParams();
  try {
    const value = JSON.parse(rawBody.length === 0 ? '{}' : rawBody.toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') params.set(key, String(item));
      }
    }
  } catch {
    // A signed body that is not JSON carries no parameters.
  }
  return params;
}
