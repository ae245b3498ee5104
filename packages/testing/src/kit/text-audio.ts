/**
 * Deterministic "speech" for a text: 64 bytes a character (whole samples in 8- and 16-bit formats),
 * different for different texts. What a fake TTS speaks, so a test can expect the exact audio.
 */
export function textAudio(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 64);
  let h = 7;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  for (let i = 0; i < out.length; i++) out[i] = (h + i * 17) & 0xff;
  return out;
}
