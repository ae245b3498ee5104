import type { AudioFormat } from '../audio/audio-format.js';

/** One inbound media-stream message, carrier-neutral, as a carrier's codec decodes it. */
export type MediaStreamMessage =
  | { readonly type: 'connected' }
  | {
      readonly type: 'start';
      readonly streamId: string;
      readonly callId: string;
      readonly from?: string | undefined;
      readonly to?: string | undefined;
      readonly parameters: Readonly<Record<string, string>>;
      /** The format the carrier says it streams, when it says. */
      readonly format?: AudioFormat | undefined;
    }
  | {
      readonly type: 'media';
      readonly streamId: string | undefined;
      /** `inbound` for the caller's audio; other tracks are dropped. */
      readonly track: string | undefined;
      /** Carrier's chunk counter, when given (used to drop duplicates and reordered frames). */
      readonly chunk: number | undefined;
      /** Base64 audio payload, not yet validated. */
      readonly payload: string;
    }
  | { readonly type: 'dtmf'; readonly streamId: string | undefined; readonly digit: string }
  | { readonly type: 'mark'; readonly streamId: string | undefined; readonly name: string }
  | { readonly type: 'stop'; readonly streamId: string | undefined }
  | { readonly type: 'error'; readonly code: string; readonly detail: string }
  | { readonly type: 'unknown'; readonly event: string }
  | { readonly type: 'malformed'; readonly reason: string };

/**
 * A carrier's media-stream wire format. Lives in the carrier package; the transport in core does
 * the rest (state machine, validation, pacing, marks, DTMF).
 */
export interface MediaStreamCodec {
  /** Parse one text frame. Never throws: bad input becomes `malformed`. */
  decode(text: string): MediaStreamMessage;
  encodeMedia(streamId: string, payloadBase64: string): string;
  encodeMark(streamId: string, name: string): string;
  encodeClear(streamId: string): string;
}

/** The REST side of one call, supplied by the carrier package. */
export interface CarrierCallCommands {
  /** Hang up; resolves quietly when the call has already ended. */
  hangup(callId: string, signal?: AbortSignal): Promise<void>;
  transfer(callId: string, to: string, signal?: AbortSignal): Promise<void>;
  startRecording?(callId: string, signal?: AbortSignal): Promise<void>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `value` is canonical base64 (padded, standard alphabet). */
export function isBase64(value: string): boolean {
  return value.length % 4 === 0 && BASE64.test(value);
}

/**
 * Decodes a canonical base64 payload, or `undefined` when it is not one. Validated by length,
 * at no cost on valid input: a canonical string of length L decodes to exactly 3L/4 − padding
 * bytes, and Node's decoder skips or stops at any character outside the alphabet, so it yields
 * fewer. (The URL-safe `-` and `_` decode like `+` and `/` and are accepted.)
 */
export function decodeBase64(value: string): Buffer | undefined {
  const length = value.length;
  if ((length & 3) !== 0) return undefined;
  const padding = length === 0 || value.charCodeAt(length - 1) !== 61 /* = */ ? 0 : value.charCodeAt(length - 2) === 61 ? 2 : 1;
  const bytes = Buffer.from(value, 'base64');
  return bytes.byteLength === (length >> 2) * 3 - padding ? bytes : undefined;
}

/** Reads an optional string field of an unknown JSON value. */
export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

/** Reads an optional object field of an unknown JSON value. */
export function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'object' && field !== null && !Array.isArray(field) ? (field as Record<string, unknown>) : undefined;
}

/** A string → string map from an unknown JSON value (non-string values are skipped). */
export function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}
