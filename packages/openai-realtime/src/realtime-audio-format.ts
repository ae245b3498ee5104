import { MULAW_8K, ALAW_8K, PCM16_24K, type AudioFormat } from '@patter/core';

/** The GA wire form of an audio format (`RealtimeAudioFormats`). */
export type RealtimeWireFormat =
  | { readonly type: 'audio/pcm'; readonly rate: 24000 }
  | { readonly type: 'audio/pcmu' }
  | { readonly type: 'audio/pcma' };

export function toWireFormat(format: AudioFormat): RealtimeWireFormat {
  if (format.encoding === 'mulaw') return { type: 'audio/pcmu' };
  if (format.encoding === 'alaw') return { type: 'audio/pcma' };
  return { type: 'audio/pcm', rate: 24000 };
}

/**
 * Reads a format the server reported, in the GA object form or the beta string form
 * (`pcm16`, `g711_ulaw`, `g711_alaw`). Unknown values → undefined (keep what we had).
 */
export function fromWireFormat(value: unknown): AudioFormat | undefined {
  const type = typeof value === 'string' ? value : (value as { type?: unknown } | null)?.type;
  switch (type) {
    case 'audio/pcm':
    case 'pcm16':
      return PCM16_24K;
    case 'audio/pcmu':
    case 'g711_ulaw':
      return MULAW_8K;
    case 'audio/pcma':
    case 'g711_alaw':
      return ALAW_8K;
    default:
      return undefined;
  }
}
