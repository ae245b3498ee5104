import {
  PCM16_16K,
  MULAW_8K,
  type AudioFormat,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
  type Transcript,
} from '@patter/core';
import { AsyncQueue, transcript } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { describeSTTConformance } from '../vitest/describe-stt-conformance.js';
import { concatBytes } from '../audio/pcm-bytes.js';
import { runConformanceChecks } from './conformance-check.js';
import { sttConformanceChecks, type STTConformanceConnection, type STTConformanceHarness } from './stt-conformance.js';

type Flaw = 'sharesConnection' | 'dropsAudio' | 'emitsAfterClose' | 'ignoresAbort' | 'interimOnly' | 'duplicatesAudio' | 'noUsage';

/** An in-memory "vendor" connection. */
class MemoryConnection implements STTConformanceConnection {
  readonly chunks: Uint8Array[] = [];
  listener: ((text: string) => void) | undefined;
  open = true;
  audio(): Uint8Array {
    return concatBytes(this.chunks);
  }
  async speak(text: string): Promise<void> {
    await Promise.resolve();
    if (this.open) this.listener?.(text);
  }
}

class MemorySTT implements STTProvider {
  readonly key = 'memory';
  private shared: MemoryConnection | undefined;
  constructor(
    readonly inputFormats: readonly AudioFormat[],
    private readonly vendor: MemoryConnection[],
    private readonly flaw?: Flaw,
  ) {}

  stream(options: STTStreamOptions): STTStream {
    const queue = new AsyncQueue<Transcript>();
    let conn: MemoryConnection | undefined;
    let frames = 0;
    let bytes = 0;
    let ended = false;
    const connect = (): MemoryConnection => {
      if (conn) return conn;
      if (this.flaw === 'sharesConnection' && this.shared) conn = this.shared;
      else {
        conn = new MemoryConnection();
        this.vendor.push(conn);
        if (this.flaw === 'sharesConnection') this.shared = conn;
      }
      conn.listener = (text) => queue.push(transcript({ text, isFinal: this.flaw !== 'interimOnly', speechFinal: true }));
      return conn;
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (this.flaw === 'emitsAfterClose') return;
      if (conn) conn.open = this.flaw === 'sharesConnection';
      queue.end();
    };
    if (this.flaw !== 'ignoresAbort') options.signal?.addEventListener('abort', end, { once: true });
    return {
      sendAudio: (audio) => {
        if (ended) return;
        const c = connect();
        frames++;
        if (this.flaw === 'dropsAudio' && frames % 7 === 0) return;
        c.chunks.push(audio.slice());
        bytes += audio.byteLength;
        if (this.flaw === 'duplicatesAudio' && frames === 3) c.chunks.push(audio.slice());
      },
      transcripts: () => queue,
      finalize: () => undefined,
      close: async () => end(),
      usage: () => ({
        audioSeconds: this.flaw === 'noUsage' ? 0 : bytes / (options.format.sampleRate * (options.format.encoding === 'pcm16' ? 2 : 1)),
      }),
    };
  }
}

function harnessFor(flaw?: Flaw, format: AudioFormat = PCM16_16K): STTConformanceHarness {
  const vendor: MemoryConnection[] = [];
  return {
    name: `MemorySTT${flaw ? ` (${flaw})` : ''}`,
    createProvider: () => new MemorySTT([format], vendor, flaw),
    connections: () => vendor,
    timeoutMs: 1_000,
  };
}

async function failedChecks(harness: STTConformanceHarness): Promise<string[]> {
  const results = await runConformanceChecks(sttConformanceChecks(harness));
  return results.filter((r) => !r.passed).map((r) => r.name);
}

describe('STT conformance checks', () => {
  it('pass for a correct provider, in 16 kHz PCM16 and 8 kHz μ-law', async () => {
    for (const format of [PCM16_16K, MULAW_8K]) {
      const results = await runConformanceChecks(sttConformanceChecks(harnessFor(undefined, format)));
      expect(results.map((r) => [r.name, r.passed, r.passed ? '' : String(r.error)])).toEqual(
        results.map((r) => [r.name, true, '']),
      );
      expect(results).toHaveLength(4);
    }
  });

  it('fail when one connection is shared between streams', async () => {
    expect(await failedChecks(harnessFor('sharesConnection'))).toContain(
      'two concurrent streams from one provider use separate connections, each with only its own audio and transcript',
    );
  });

  it('fail when audio frames are dropped or duplicated', async () => {
    for (const flaw of ['dropsAudio', 'duplicatesAudio'] as const) {
      const failed = await failedChecks(harnessFor(flaw));
      expect(failed).toContain('streams its audio to its own vendor connection and delivers the final transcript');
      expect(failed).toContain(
        'two concurrent streams from one provider use separate connections, each with only its own audio and transcript',
      );
    }
  });

  it('fail when transcripts keep coming after close, or abort is ignored', async () => {
    expect(await failedChecks(harnessFor('emitsAfterClose'))).toEqual(
      expect.arrayContaining([
        'close() ends the transcripts iterable; nothing is emitted or sent after it',
        'abort ends the stream; nothing is emitted after it',
      ]),
    );
    expect(await failedChecks(harnessFor('ignoresAbort'))).toEqual(['abort ends the stream; nothing is emitted after it']);
  });

  it('fail when usage() does not count the audio sent', async () => {
    expect(await failedChecks(harnessFor('noUsage'))).toEqual([
      'streams its audio to its own vendor connection and delivers the final transcript',
    ]);
  });

  it('fail when no final transcript is delivered', async () => {
    expect(await failedChecks(harnessFor('interimOnly'))).toContain(
      'streams its audio to its own vendor connection and delivers the final transcript',
    );
  });
});

describeSTTConformance(harnessFor());
