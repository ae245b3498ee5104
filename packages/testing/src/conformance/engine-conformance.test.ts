import {
  PCM16_24K,
  type Engine,
  type EngineConnectOptions,
  type EngineEvent,
  type EngineSession,
  type ToolCallRequest,
} from '@patter/core';
import { AsyncQueue } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { describeEngineConformance } from '../vitest/describe-engine-conformance.js';
import { concatBytes } from '../audio/pcm-bytes.js';
import { runConformanceChecks } from './conformance-check.js';
import {
  engineConformanceChecks,
  type EngineConformanceConnection,
  type EngineConformanceHarness,
} from './engine-conformance.js';

type Flaw =
  | 'sharesConnection'
  | 'dropsAudio'
  | 'leavesVendorOpen'
  | 'emitsAfterClose'
  | 'ignoresAbort'
  | 'splitsSamples'
  | 'toolCallTwice'
  | 'toolResultLost';

class MemoryConnection implements EngineConformanceConnection {
  readonly chunks: Uint8Array[] = [];
  listener: ((audio: Uint8Array) => void) | undefined;
  toolListener: ((call: ToolCallRequest) => void) | undefined;
  readonly results: Array<{ callId: string; output: string }> = [];
  closed = false;
  async requestToolCall(call: ToolCallRequest): Promise<void> {
    await Promise.resolve();
    if (!this.closed) this.toolListener?.(call);
  }
  toolResults(): Array<{ callId: string; output: string }> {
    return this.results;
  }
  audio(): Uint8Array {
    return concatBytes(this.chunks);
  }
  async sendAudio(audio: Uint8Array): Promise<void> {
    await Promise.resolve();
    if (!this.closed) this.listener?.(audio);
  }
  isClosed(): boolean {
    return this.closed;
  }
}

class MemoryEngine implements Engine {
  readonly key = 'memory';
  private shared: MemoryConnection | undefined;
  constructor(
    private readonly vendor: MemoryConnection[],
    private readonly flaw?: Flaw,
  ) {}

  async connect(options: EngineConnectOptions): Promise<EngineSession> {
    let conn = this.flaw === 'sharesConnection' ? this.shared : undefined;
    if (!conn) {
      conn = new MemoryConnection();
      this.vendor.push(conn);
      this.shared = conn;
    }
    const vendorConn = conn;
    const queue = new AsyncQueue<EngineEvent>();
    let frames = 0;
    let ended = false;
    vendorConn.listener = (audio) => {
      if (this.flaw === 'splitsSamples') {
        queue.push({ type: 'audio', data: audio.subarray(0, 3) });
        queue.push({ type: 'audio', data: audio.subarray(3) });
      } else queue.push({ type: 'audio', data: audio });
    };
    vendorConn.toolListener = (call) => {
      queue.push({ type: 'toolCall', call });
      if (this.flaw === 'toolCallTwice') queue.push({ type: 'toolCall', call });
    };
    const close = async (): Promise<void> => {
      ended = true;
      if (this.flaw !== 'leavesVendorOpen') vendorConn.closed = true;
      if (this.flaw !== 'emitsAfterClose') queue.end();
    };
    if (this.flaw !== 'ignoresAbort') options.signal?.addEventListener('abort', () => void close(), { once: true });
    return {
      inputFormat: PCM16_24K,
      outputFormat: PCM16_24K,
      sendAudio: (audio) => {
        if (ended) return;
        if (this.flaw === 'dropsAudio' && ++frames % 6 === 0) return;
        vendorConn.chunks.push(audio.slice());
      },
      events: () => queue,
      sendToolResult: (callId, output) => {
        if (!ended && this.flaw !== 'toolResultLost') vendorConn.results.push({ callId, output });
      },
      interrupt: () => undefined,
      say: () => undefined,
      close,
    };
  }
}

function harnessFor(flaw?: Flaw): EngineConformanceHarness {
  const vendor: MemoryConnection[] = [];
  return {
    name: `MemoryEngine${flaw ? ` (${flaw})` : ''}`,
    createEngine: () => new MemoryEngine(vendor, flaw),
    connections: () => vendor,
    toolCalls: true,
    timeoutMs: 1_000,
  };
}

async function failedChecks(flaw: Flaw): Promise<string[]> {
  const results = await runConformanceChecks(engineConformanceChecks(harnessFor(flaw)));
  return results.filter((r) => !r.passed).map((r) => r.name);
}

const AUDIO = 'a session carries caller audio to its vendor connection and agent audio back as audio events';
const TWO = 'two concurrent sessions from one engine use separate connections with separate audio';
const CLOSE = 'close() ends events() and closes the vendor connection; nothing is emitted after';
const ABORT = 'aborting the connect signal ends the session and closes the vendor connection';
const TOOL = 'a vendor tool call arrives once as a toolCall event and its result reaches the vendor';

describe('Engine conformance checks', () => {
  it('pass for a correct engine', async () => {
    const results = await runConformanceChecks(engineConformanceChecks(harnessFor()));
    expect(results.map((r) => [r.name, r.passed ? '' : String(r.error)])).toEqual(results.map((r) => [r.name, '']));
    expect(results).toHaveLength(5);
  });

  it('fail when sessions share a connection, or audio is dropped or split mid-sample', async () => {
    expect(await failedChecks('sharesConnection')).toContain(TWO);
    expect(await failedChecks('dropsAudio')).toEqual(expect.arrayContaining([AUDIO, TWO]));
    expect(await failedChecks('splitsSamples')).toEqual(expect.arrayContaining([AUDIO, TWO]));
  });

  it('fail when close or abort leaves the vendor open or events flowing', async () => {
    expect(await failedChecks('leavesVendorOpen')).toEqual(expect.arrayContaining([CLOSE, ABORT]));
    expect(await failedChecks('emitsAfterClose')).toEqual(expect.arrayContaining([CLOSE, ABORT]));
    expect(await failedChecks('ignoresAbort')).toEqual([ABORT]);
  });

  it('fail when a tool call is duplicated or its result never reaches the vendor', async () => {
    expect(await failedChecks('toolCallTwice')).toEqual([TOOL]);
    expect(await failedChecks('toolResultLost')).toEqual([TOOL]);
  });
});

describeEngineConformance(harnessFor());
