/** PCM16 samples as little-endian bytes (a copy, so the result owns an aligned buffer). */
export function pcmToBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] as number, true);
  return out;
}

/** Little-endian PCM16 bytes as samples (a copy; a trailing odd byte is dropped). */
export function bytesToPcm(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Concatenate byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Cut `bytes` into frames of `frameBytes` (the last may be shorter), as views. */
export function splitFrames(bytes: Uint8Array, frameBytes: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += frameBytes) frames.push(bytes.subarray(at, at + frameBytes));
  return frames;
}

/** Decode G.711 μ-law bytes to PCM16 samples (reference decoder, for tests). */
export function mulawToPcm(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) {
    const u = ~(bytes[i] as number) & 0xff;
    const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
    out[i] = u & 0x80 ? -magnitude : magnitude;
  }
  return out;
}
