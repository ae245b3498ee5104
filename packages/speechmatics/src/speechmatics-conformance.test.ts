import { afterEach } from 'vitest';
import { MULAW_8K, PCM16_16K } from '@patter/core';
import { describeSTTConformance, describeWebSocketSTTBehaviour } from '@patter/testing/vitest';
import { SpeechmaticsSTT } from './index.js';
import { fakeSpeechmatics, pcmFrame } from './test-support/fake-speechmatics.js';

// The WebSocket-STT behaviours every such plugin shares. This fake answers from a script, not from
// word frames, so the checks that need a transcribing fake are skipped: the tests above cover them
// the Speechmatics way (malformed and unknown messages, the drop replaying since the last final
// with seq_no and word times, the final after EndOfStream at call end).
const served: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(served.splice(0).map((f) => f.close()));
});
describeWebSocketSTTBehaviour(
  {
    name: 'SpeechmaticsSTT',
    provider: 'speechmatics',
    envVar: 'SPEECHMATICS_API_KEY',
    serve: async (options) => {
      const fake = await fakeSpeechmatics(() => {}, options?.refuseStatus);
      served.push(fake);
      return fake;
    },
    create: (options) => new SpeechmaticsSTT(options),
    frame: () => pcmFrame(),
    misspelledOption: ['enablePartial', 'enablePartials'],
    malformedMessage: '{"message": not json',
    unknownMessage: '{"message":"SomethingNew","x":1}',
    callEnd: { sent: (conn) => conn.jsonMessages<{ message: string }>().at(-1)?.message, expected: 'EndOfStream' },
    keepAlive: { create: (options) => new SpeechmaticsSTT({ ...options, pingIntervalMs: 1000 }), intervalMs: 1000, message: 'ping' },
  },
  {
    skip: [
      'a malformed and an unknown vendor message are logged and dropped; the stream goes on on the same connection',
      'a socket dropped mid-utterance without a close frame reconnects, replays what was not final, and loses no words',
      'call end: the words in flight reach the call transcript, the end of stream goes out, the socket closes with 1000',
    ],
  },
);

// The shared STT contract against the same fake, in both formats Speechmatics takes raw.
for (const format of [PCM16_16K, MULAW_8K]) {
  let fake: Awaited<ReturnType<typeof fakeSpeechmatics>> | undefined;
  describeSTTConformance({
    name: `SpeechmaticsSTT ${format.encoding}/${format.sampleRate}`,
    format,
    beforeEach: async () => {
      fake = await fakeSpeechmatics(() => {});
    },
    afterEach: () => fake?.close(),
    createProvider: () => new SpeechmaticsSTT({ apiKey: 'test-key', baseUrl: fake?.url ?? '', turnDetection: 'FIXED' }),
    connections: () =>
      (fake?.sessions ?? []).map((s) => ({
        audio: () => s.socket.binaryBytes(),
        speak: async (text: string) => {
          const seconds = s.bytes / (format.sampleRate * (format.encoding === 'pcm16' ? 2 : 1));
          s.send({ message: 'AddTranscript', format: '2.1', metadata: { start_time: 0, end_time: seconds, transcript: text }, results: [] });
          s.send({ message: 'EndOfUtterance', metadata: { start_time: seconds, end_time: seconds } });
        },
      })),
  });
}
