import {
  maskPhoneNumber,
  type CarrierHost,
  type CarrierHttpRequest,
  type CarrierHttpResponse,
  type CarrierRoute,
  type MachineDetectionResult,
} from '@patter/core';
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

/** Voice, status, AMD and recording webhooks; every one checks the signature first (403 otherwise). */
export function twilioRoutes(host: CarrierHost, options: TwilioRouteOptions): CarrierRoute[] {
  const logger = host.logger.child({ carrier: 'twilio' });
  const guarded = (path: string, handler: (params: URLSearchParams, request: CarrierHttpRequest) => CarrierHttpResponse): CarrierRoute[] =>
    (['POST', 'GET'] as const).map((method) => ({
      method,
      path,
      handle: async (request) => {
        const params = verifyTwilioRequest(options.authToken, request);
        if (params === undefined) {
          logger.warn({ path, remoteAddress: request.remoteAddress }, 'twilio webhook signature invalid');
          return FORBIDDEN;
        }
        return handler(params, request);
      },
    }));
  const callRefOf = (request: CarrierHttpRequest) => request.query.get('callRef') ?? undefined;

  return [
    ...guarded(TWILIO_PATHS.voice, (params) => {
      const callId = params.get('CallSid') ?? '';
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
      return xml(streamTwiml(host.streamUrl(callRef), parameters));
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
