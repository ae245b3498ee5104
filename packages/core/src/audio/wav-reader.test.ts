import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { ALAW_8K, MULAW_8K, PCM16_24K, audioFormat } from './audio-format.js';
import { pcm16Bytes } from './pcm16-view.js';
import { speechLike } from './test-signals.js';
import { encodeWav } from './wav.js';
import { readWav } from './wav-reader.js';
import { writeWav } from './wav-writer.js';

describe('WAV reader and writer', () => {
  it('round-trips PCM16, μ-law and A-law (odd length padded)', () => {
    const pcm = pcm16Bytes(speechLike(24000, 0.1));
    for (const [format, data] of [
      [PCM16_24K, pcm],
      [MULAW_8K, Uint8Array.from({ length: 161 }, (_, i) => i)],
      [ALAW_8K, Uint8Array.from({ length: 80 }, (_, i) => 255 - i)],
    ] as const) {
      const file = writeWav(data, format);
      expect(file.length % 2).toBe(0);
      const wav = readWav(file);
      expect(wav.format).toEqual(format);
      expect(Array.from(wav.data)).toEqual(Array.from(data));
    }
  });

  it('writes the classic 44-byte PCM header, same as encodeWav', () => {
    const pcm = pcm16Bytes(Int16Array.of(1, -1, 300));
    const file = writeWav(pcm, audioFormat('pcm16', 16000));
    expect(file.length).toBe(50);
    expect(Array.from(file)).toEqual(Array.from(encodeWav(pcm, audioFormat('pcm16', 16000))));
    const mulaw = writeWav(new Uint8Array(4), MULAW_8K);
    expect(new DataView(mulaw.buffer).getUint16(20, true)).toBe(7);
    expect(String.fromCharCode(...mulaw.subarray(38, 42))).toBe('fact');
  });

  it('skips LIST and other chunks, including odd-sized ones, and accepts WAVE_FORMAT_EXTENSIBLE', () => {
    const data = Uint8Array.of(1, 0, 2, 0, 3, 0);
    const parts: number[] = [];
    const ascii = (s: string) => parts.push(...Array.from(s, (c) => c.charCodeAt(0)));
    const u32 = (v: number) => parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
    const u16 = (v: number) => parts.push(v & 0xff, v >> 8);
    ascii('RIFF');
    u32(0);
    ascii('WAVE');
    ascii('LIST');
    u32(5);
    ascii('INFOx');
    parts.push(0); // pad byte
    ascii('fmt ');
    u32(40);
    u16(0xfffe);
    u16(1);
    u32(22050);
    u32(44100);
    u16(2);
    u16(16);
    u16(22);
    u16(16);
    u32(4);
    u16(1); // subformat: PCM
    for (let i = 0; i < 14; i++) parts.push(0);
    ascii('data');
    u32(data.length);
    parts.push(...data);
    const wav = readWav(Uint8Array.from(parts));
    expect(wav.format).toEqual(audioFormat('pcm16', 22050));
    expect(Array.from(wav.data)).toEqual([1, 0, 2, 0, 3, 0]);
  });

  it('takes data to the end of a streamed file whose data size is unknown', () => {
    const file = writeWav(Uint8Array.of(5, 6, 7, 8), MULAW_8K);
    new DataView(file.buffer).setUint32(file.length - 8, 0xffffffff, true);
    expect(Array.from(readWav(file).data)).toEqual([5, 6, 7, 8]);
  });

  it('rejects what it cannot read with a ConfigError', () => {
    expect(() => readWav(new TextEncoder().encode('not a wav file at all'))).toThrow(ConfigError);
    const stereo = writeWav(new Uint8Array(8), PCM16_24K);
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(() => readWav(stereo)).toThrow(/mono only/);
    const float = writeWav(new Uint8Array(8), PCM16_24K);
    new DataView(float.buffer).setUint16(20, 3, true);
    expect(() => readWav(float)).toThrow(/format tag 3/);
  });
});
