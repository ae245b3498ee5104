import { isDeepStrictEqual } from 'node:util';
import type { AudioFormat } from '@patter/core';
import { bytesPerSample } from '@patter/core/plugin';
import { TestKitError } from '../test-kit-error.js';

/** Fail a conformance check. */
export function fail(message: string): never {
  throw new TestKitError(message);
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

export function assertEqual<T>(actual: T, expected: T, label: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(`${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Byte-exact comparison that reports the first differing offset instead of dumping arrays. */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, label: string): void {
  const length = Math.min(actual.byteLength, expected.byteLength);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) fail(`${label}: bytes differ at offset ${i} of ${expected.byteLength}`);
  }
  if (actual.byteLength !== expected.byteLength) {
    fail(`${label}: expected ${expected.byteLength} bytes, got ${actual.byteLength}`);
  }
}

/** True when `needle` occurs as one contiguous run inside `haystack`. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.byteLength === 0) return true;
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first as number); i >= 0 && i + needle.byteLength <= haystack.byteLength; i = haystack.indexOf(first as number, i + 1)) {
    for (let j = 1; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Poll `condition` every few ms until it is true; fail after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, label: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) fail(`timed out after ${timeoutMs} ms waiting until ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolve with `promise`, or fail after `timeoutMs` (the timer is always cleared). */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TestKitError(`timed out after ${timeoutMs} ms waiting for ${label}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a promise did before two `setImmediate` turns passed: `'pending'` when it had not settled. */
export async function settledWithinTurn<T>(
  promise: Promise<T>,
): Promise<{ state: 'fulfilled'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' }> {
  let outcome: { state: 'fulfilled'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' } = {
    state: 'pending',
  };
  promise.then(
    (value) => (outcome = { state: 'fulfilled', value }),
    (error: unknown) => (outcome = { state: 'rejected', error }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return outcome;
}

/** Lower-case, drop punctuation, collapse spaces: vendors differ in casing and punctuation. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Deterministic pseudo-random audio of whole samples in `format` (different per `seed`), for
 * contracts that pass bytes through: two streams fed different seeds can never be confused.
 */
export function distinctAudio(format: AudioFormat, durationMs: number, seed: number): Uint8Array {
  const sampleBytes = bytesPerSample(format);
  const out = new Uint8Array(Math.round((format.sampleRate * durationMs) / 1000) * sampleBytes);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.byteLength; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** Cut audio into frames of `frameMs` in `format` (views; the last may be shorter). */
export function framesOf(audio: Uint8Array, format: AudioFormat, frameMs = 20): Uint8Array[] {
  const frameBytes = Math.round((format.sampleRate * frameMs) / 1000) * bytesPerSample(format);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < audio.byteLength; at += frameBytes) frames.push(audio.subarray(at, at + frameBytes));
  return frames;
}

/** Yield to the event loop (a macrotask). */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
