import { type AudioFormat } from './audio-format.js';

const FORMAT_TAG = { pcm16: 1, alaw: 6, mulaw: 7 } as const;

/**
 * A WAV file holding `data` in `format`: PCM16 (format tag 1, the classic 44-byte header) or
 * G.711 A-law / μ-law (tags 6 / 7, with the `fact` chunk the spec asks of non-PCM files).
 */
export function writeWav(data: Uint8Array, format: AudioFormat): Uint8Array {
  const pcm = format.encoding === 'pcm16';
  const fmtSize = pcm ? 16 : 18;
  const factSize = pcm ? 0 : 12;
  const header = 12 + 8 + fmtSize + factSize + 8;
  const pad = data.length & 1;
  const out = new Uint8Array(header + data.length + pad);
  const view = new DataView(out.buffer);
  const sampleBytes = pcm ? 2 : 1;
  let at = 0;
  const ascii = (text: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = text.charCodeAt(i);
    at += 4;
  };
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const u16 = (v: number): void => {
    view.setUint16(at, v, true);
    at += 2;
  };
  ascii('RIFF');
  u32(out.length - 8);
  ascii('WAVE');
  ascii('fmt ');
  u32(fmtSize);
  u16(FORMAT_TAG[format.encoding]);
  u16(format.channels);
  u32(format.sampleRate);
  u32(format.sampleRate * sampleBytes * format.channels);
  u16(sampleBytes * format.channels);
  u16(sampleBytes * 8);
  if (!pcm) {
    u16(0);
    ascii('fact');
    u32(4);
    u32(data.length / format.channels);
  }
  ascii('data');
  u32(data.length);
  out.set(data, at);
  return out;
}
