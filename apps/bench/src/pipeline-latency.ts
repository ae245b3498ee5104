import { performance } from 'node:perf_hooks';
import { silentLogger, type CallSession } from '@patter/core';
import { createCallSession } from '@patter/core/plugin';
import type { BenchReport } from './bench-report.js';
import { CallFakes, type TurnStamps } from './pipeline-fakes.js';

const CALLS = 100;
const TURNS = 30;
/** Turns per call run before measuring (JIT warm-up). */
const WARMUP_TURNS = 3;

/**
 * The pipeline's own added latency per turn, with zero-delay STT, LLM and TTS fakes, at 100
 * concurrent calls, each also receiving a 20 ms caller frame every 20 ms (VAD, barge-in check,
 * STT forwarding). Spans, stamped by the fakes themselves:
 * - STT final → LLM request sent;
 * - LLM first token (carrying a complete first clause) → TTS request sent;
 * - TTS first byte → first frame handed to the carrier.
 */
export async function run(): Promise<BenchReport> {
  const spans = { sttToLlm: [] as number[], llmToTts: [] as number[], ttsToCarrier: [] as number[] };
  const fakes: CallFakes[] = [];
  const sessions: CallSession[] = [];
  for (let i = 0; i < CALLS; i++) {
    const call = new CallFakes({ callId: `CA${i}`, callRef: `ref${i}`, carrier: 'bench', direction: 'inbound', parameters: {} });
    fakes.push(call);
    sessions.push(
      createCallSession({
        transport: call.transport,
        logger: silentLogger,
        agent: {
          stt: call.stt,
          llm: call.llm,
          tts: call.tts,
          systemPrompt: 'You book tables for {restaurant}.',
          variables: { restaurant: 'Chez Bench' },
          hallucinationFilter: false,
        },
      }),
    );
    call.transport.start();
  }
  await new Promise((resolve) => setImmediate(resolve));

  const frame = new Uint8Array(160).fill(0xff);
  const audio = setInterval(() => {
    for (const call of fakes) call.transport.hear(frame);
  }, 20);

  const runCall = async (call: CallFakes): Promise<void> => {
    for (let turn = 0; turn < WARMUP_TURNS + TURNS; turn++) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
      const marks = call.transport.marks;
      call.final('Can I book a table for two tonight?');
      while (call.transport.marks < marks + 2) await new Promise((resolve) => setImmediate(resolve));
      if (turn >= WARMUP_TURNS) record(call.stamps);
      call.transport.playAll();
    }
  };
  const record = (s: TurnStamps): void => {
    if (s.sttFinal !== undefined && s.llmRequest !== undefined) spans.sttToLlm.push(s.llmRequest - s.sttFinal);
    if (s.llmFirstToken !== undefined && s.ttsRequest !== undefined) spans.llmToTts.push(s.ttsRequest - s.llmFirstToken);
    if (s.ttsFirstByte !== undefined && s.firstFrame !== undefined) spans.ttsToCarrier.push(s.firstFrame - s.ttsFirstByte);
  };

  const started = performance.now();
  await Promise.all(fakes.map(runCall));
  const elapsed = performance.now() - started;
  clearInterval(audio);
  await Promise.all(sessions.map((s) => s.end('shutdown')));

  const row = (label: string, values: number[]): (string | number)[] => {
    const sorted = Float64Array.from(values).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
    return [label, sorted.length, at(0.5), at(0.99), sorted[sorted.length - 1] ?? NaN];
  };
  return {
    title: `pipeline added latency per turn (ms; ${CALLS} concurrent calls × ${TURNS} turns, zero-delay fakes)`,
    columns: ['span', 'turns', 'p50', 'p99', 'max'],
    rows: [
      row('STT final → LLM request sent', spans.sttToLlm),
      row('LLM first token → TTS request sent', spans.llmToTts),
      row('TTS first byte → first carrier frame', spans.ttsToCarrier),
    ],
    notes: [
      `target: p99 < 2 ms each; ${CALLS * TURNS} turns measured after ${WARMUP_TURNS} warm-up turns per call, ` +
        `${(elapsed / 1000).toFixed(1)} s, caller audio at 50 frames/s per call`,
    ],
  };
}
