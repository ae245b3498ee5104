import { FIR_KERNEL_WASM } from './fir-kernel-wasm.js';

/**
 * The one WebAssembly instance every resampler shares (fir-kernel.wat). JavaScript is single
 * threaded and a kernel call never yields, so one scratch area serves all resamplers: each call
 * copies its history and chunk in, runs, and copies its output and new history out. Filters
 * (one per rate pair) stay resident after the scratch area. Compiled synchronously at import
 * (the module is 1.6 KB), so the resampler API is synchronous.
 */

/** Longest filter phase, in taps. */
export const MAX_TAPS = 512;
/** Most input samples per kernel call. */
export const MAX_CHUNK = 4096;
/** Most output samples per kernel call. */
export const MAX_OUT = 16384;

export const X_OFFSET = 0;
/** `decimate2`'s two streams share the history area: odd samples from X_OFFSET, even ones from here. */
export const EVEN_OFFSET = X_OFFSET + (40 + MAX_CHUNK / 2 + 8) * 4;
export const IN_OFFSET = X_OFFSET + (MAX_TAPS + MAX_CHUNK) * 4;
export const OUT_OFFSET = IN_OFFSET + MAX_CHUNK * 2;
const FILTERS_OFFSET = Math.ceil((OUT_OFFSET + MAX_OUT * 2) / 65536) * 65536;

type ProcessFn = (
  phases: number,
  L: number,
  M: number,
  taps: number,
  t: number,
  nIn: number,
  x: number,
  input: number,
  out: number,
) => number;

type Decimate2Fn = (coef: number, center: number, nIn: number, phase: number, odd: number, even: number, input: number, out: number) => number;

type Interpolate2Fn = (
  coef: number,
  bytes: number,
  skip: number,
  delay: number,
  taps: number,
  nIn: number,
  x: number,
  input: number,
  out: number,
) => number;

/** The bit of the WebAssembly JS API used here (the project's `lib` has no DOM typings). */
interface Wasm {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

const memory = new wasm.Memory({ initial: FILTERS_OFFSET / 65536 });
const instance = new wasm.Instance(new wasm.Module(Buffer.from(FIR_KERNEL_WASM, 'base64')), {
  env: { memory },
});

/** Views on the kernel's memory; replaced when it grows. */
export const heap = {
  process: instance.exports['process'] as ProcessFn,
  decimate2: instance.exports['decimate2'] as Decimate2Fn,
  interpolate2: instance.exports['interpolate2'] as Interpolate2Fn,
  f32: new Float32Array(memory.buffer),
  i16: new Int16Array(memory.buffer),
};

let filtersEnd = FILTERS_OFFSET;

/** Copies `bytes` into the kernel's memory for good (16-byte aligned); returns its byte offset. */
export function storeFilter(bytes: Uint8Array): number {
  const offset = Math.ceil(filtersEnd / 16) * 16;
  const end = offset + bytes.byteLength;
  const need = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) {
    memory.grow(need);
    heap.f32 = new Float32Array(memory.buffer);
    heap.i16 = new Int16Array(memory.buffer);
  }
  new Uint8Array(memory.buffer).set(bytes, offset);
  filtersEnd = end;
  return offset;
}
