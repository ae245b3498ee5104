import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { heap } from './fir-kernel.js';
import { FIR_KERNEL_SOURCE_SHA256, FIR_KERNEL_WASM } from './fir-kernel-wasm.js';

describe('FIR kernel', () => {
  it('was generated from the current fir-kernel.wat (run scripts/build-fir-kernel.mjs after editing it)', () => {
    const source = readFileSync(new URL('./fir-kernel.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(source).digest('hex')).toBe(FIR_KERNEL_SOURCE_SHA256);
  });

  it('is a WebAssembly module whose process(), decimate2() and interpolate2() the resampler gets', () => {
    expect(Array.from(Buffer.from(FIR_KERNEL_WASM, 'base64').subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(heap.process).toBeTypeOf('function');
    expect(heap.process.length).toBe(9);
    expect(heap.decimate2.length).toBe(8);
    expect(heap.interpolate2.length).toBe(9);
  });
});
