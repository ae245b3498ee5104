/** Loudness per 20 ms frame (RMS of PCM16 16 kHz samples). */
export function envelope(samples: Int16Array, frame = 320): Float64Array {
  const out = new Float64Array(Math.floor(samples.length / frame));
  for (let f = 0; f < out.length; f++) {
    let sum = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) sum += (samples[i] as number) ** 2;
    out[f] = Math.sqrt(sum / frame);
  }
  return out;
}

/**
 * How well `expected`'s loudness contour matches somewhere in `received` (the best Pearson
 * correlation over every offset): ~1 when the same speech arrived (gain changes allowed),
 * ~0 for unrelated audio or silence.
 */
export function envelopeMatch(received: Int16Array, expected: Int16Array): number {
  const e = envelope(expected);
  let best = 0;
  // Offsets in steps of a quarter frame (5 ms).
  for (let phase = 0; phase < 320; phase += 80) {
    const r = envelope(received.subarray(phase));
    for (let offset = 0; offset + e.length <= r.length; offset++) best = Math.max(best, pearson(r.subarray(offset, offset + e.length), e));
  }
  return best;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}
