import { MULAW_8K, type STTProvider, type STTStream } from '@patter/core';

/** An STT that hears nothing until closed (tests about call control, not speech); counts its streams. */
export function silentStt(): STTProvider & { streams: number } {
  const stt = {
    key: 'silent',
    inputFormats: [MULAW_8K],
    streams: 0,
    stream: (): STTStream => {
      stt.streams++;
      let close: () => void = () => {};
      const closed = new Promise<void>((resolve) => (close = resolve));
      return {
        sendAudio: () => {},
        transcripts: async function* () {
          await closed;
        },
        finalize: () => {},
        close: async () => close(),
        usage: () => ({ audioSeconds: 0 }),
      };
    },
  };
  return stt;
}
