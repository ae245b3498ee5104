import type { KeyObject } from 'node:crypto';
import type { CarrierCallEvent, CarrierHost, CarrierHttpResponse, CarrierRoute, MachineDetectionResult } from '@patter/core';
import { maskPhoneNumber, RateLimitedLog } from '@patter/core/plugin';
import { decodeClientState } from './telnyx-client-state.js';
import { verifyTelnyxSignature } from './telnyx-signature.js';

export const TELNYX_PATHS = Object.freeze({ webhook: '/telnyx/webhook', stream: '/telnyx/stream' });

/** An event's AMD meaning, or undefined for other events. */
export function mapMachineDetection(eventType: string, result: string): { result: MachineDetectionResult; greetingEnded: boolean } | undefined {
  switch (eventType) {
    case 'call.machine.detection.ended':
      return { result: result === 'human' ? 'human' : result === 'machine' ? 'machine' : 'unknown', greetingEnded: false };
    case 'call.machine.premium.detection.ended':
      if (result.startsWith('human')) return { result: 'human', greetingEnded: false };
      if (result === 'machine') return { result: 'machine', greetingEnded: false };
      if (result === 'fax_detected') return { result: 'fax', greetingEnded: false };
      return { result: 'unknown', greetingEnded: false };
    case 'call.machine.greeting.ended':
    case 'call.machine.premium.greeting.ended':
      // beep_detected / ended / no_beep_detected / not_sure: the greeting is over either way.
      return { result: 'machine', greetingEnded: true };
    default:
      return undefined;
  }
}

export interface TelnyxRouteOptions {
  readonly publicKey: KeyObject;
  readonly toleranceSecs: number;
  /** Answer an inbound call with streaming to `streamUrl`. */
  readonly answer: (callControlId: string, callRef: string) => Promise<void>;
  readonly reject: (callControlId: string) => Promise<void>;
  readonly nowSecs?: () => number;
}

const OK: CarrierHttpResponse = { status: 200 };
const FORBIDDEN: CarrierHttpResponse = { status: 403, headers: { 'content-type': 'text/plain' }, body: 'invalid signature' };

const DEDUP_CAPACITY = 2048;

/**
 * The Call Control webhook: verified (Ed25519) first (failures logged at most once per source and
 * interval), de-duplicated by event id, mapped to call events. An inbound `call.initiated` is
 * answered once per `call_control_id`: a replay (new event id, same call) is acknowledged and
 * ignored, so one call gets one stream URL and one session.
 */
export function telnyxRoutes(host: CarrierHost, options: TelnyxRouteOptions): CarrierRoute[] {
  const logger = host.logger.child({ carrier: 'telnyx' });
  const invalid = new RateLimitedLog(logger, 'warn', 'telnyx webhook signature invalid', host.signal ? { signal: host.signal } : {});
  const seen = new Set<string>();
  const answeredCalls = new Set<string>();
  const handle = async (request: Parameters<CarrierRoute['handle']>[0]): Promise<CarrierHttpResponse> => {
    const verdict = verifyTelnyxSignature(
      options.publicKey,
      request.headers['telnyx-signature-ed25519'],
      request.headers['telnyx-timestamp'],
      request.rawBody,
      { toleranceSecs: options.toleranceSecs, ...(options.nowSecs ? { nowSecs: options.nowSecs() } : {}) },
    );
    if (verdict !== 'ok') {
      invalid.log(request.remoteAddress, { reason: verdict, remoteAddress: request.remoteAddress });
      return FORBIDDEN;
    }
    let data: { id?: unknown; event_type?: unknown; payload?: Record<string, unknown> } | undefined;
    try {
      data = (JSON.parse(request.rawBody.toString('utf8')) as { data?: typeof data }).data;
    } catch {
      logger.warn({}, 'telnyx webhook body is not JSON');
      return { status: 400 };
    }
    if (typeof data?.event_type !== 'string' || typeof data.payload !== 'object' || data.payload === null) return OK;
    if (typeof data.id === 'string') {
      if (seen.has(data.id)) return OK; // a redelivery
      seen.add(data.id);
      if (seen.size > DEDUP_CAPACITY) seen.delete(seen.values().next().value!);
    }
    dispatch(data.event_type, data.payload);
    return OK;
  };

  const dispatch = (eventType: string, payload: Record<string, unknown>): void => {
    const callId = typeof payload.call_control_id === 'string' ? payload.call_control_id : '';
    const state = decodeClientState(typeof payload.client_state === 'string' ? payload.client_state : undefined);
    const ref = state.callRef === undefined ? {} : { callRef: state.callRef };
    const emit = (event: CarrierCallEvent) => host.onCallEvent(event);
    const str = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : '');

    if (eventType === 'call.initiated') {
      if (str('direction') !== 'incoming') return emit({ type: 'status', callId, status: 'initiated', ...ref });
      if (callId !== '' && answeredCalls.has(callId)) {
        logger.info({ callId }, 'telnyx call.initiated replayed: already answered, no second session');
        return;
      }
      if (!host.acceptingCalls()) {
        logger.info({ callId }, 'inbound call rejected: not accepting calls');
        void options.reject(callId).catch((err: unknown) => logger.warn({ err, callId }, 'telnyx reject failed'));
        return;
      }
      const callRef = host.newCallRef();
      if (callId !== '') {
        answeredCalls.add(callId);
        if (answeredCalls.size > DEDUP_CAPACITY) answeredCalls.delete(answeredCalls.values().next().value!);
      }
      logger.info({ callId, callRef, from: maskPhoneNumber(str('from')) }, 'inbound call');
      void options.answer(callId, callRef).catch((err: unknown) => logger.error({ err, callId, callRef }, 'telnyx answer failed'));
      return;
    }
    const amd = mapMachineDetection(eventType, str('result'));
    if (amd) return emit({ type: 'machineDetection', callId, ...amd, ...ref });
    switch (eventType) {
      case 'call.answered':
        return emit({ type: 'status', callId, status: 'answered', ...ref });
      case 'call.hangup':
        emit({ type: 'status', callId, status: 'hangup', ...ref });
        return emit({ type: 'ended', callId, reason: str('hangup_cause') || 'hangup', ...ref });
      case 'call.recording.saved': {
        const urls = (payload.recording_urls ?? {}) as { wav?: unknown; mp3?: unknown };
        const url = typeof urls.wav === 'string' ? urls.wav : typeof urls.mp3 === 'string' ? urls.mp3 : undefined;
        if (url === undefined) return;
        const seconds = (Date.parse(str('recording_ended_at')) - Date.parse(str('recording_started_at'))) / 1000;
        const callKey = callId || str('call_leg_id');
        return emit({ type: 'recording', callId: callKey, url, ...(Number.isFinite(seconds) ? { durationSeconds: seconds } : {}), ...ref });
      }
      case 'streaming.failed':
        logger.warn({ callId, reason: str('failure_reason') }, 'telnyx streaming failed');
        return emit({ type: 'status', callId, status: 'streaming.failed', ...ref });
      default:
        return;
    }
  };

  return [{ method: 'POST', path: TELNYX_PATHS.webhook, handle }];
}
