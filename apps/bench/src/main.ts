import type { Bench } from './bench-report.js';
import { run as audioFrame } from './audio-frame.js';
import { run as outboundPacer } from './outbound-pacer.js';
import { run as ttsTtfb } from './tts-ttfb.js';
import { run as ttsTtfbWebSocket } from './tts-ttfb-websocket.js';
import { run as pipelineLatency } from './pipeline-latency.js';
import { run as engineBridge } from './engine-bridge.js';
import { run as serverLoad } from './server-load/server-load.js';
import { run as vad } from './vad/vad.js';
import { run as telemetryOverhead } from './telemetry-overhead.js';
import { run as answerWarmup } from './answer-warmup.js';
import { run as callHistory } from './call-history.js';
import { run as vendorSocketSend } from './vendor-socket-send.js';
import { formatReport } from './print-table.js';

/** Every benchmark: one file exporting `run(): Promise<BenchReport>`, listed here. */
const BENCHES: readonly Bench[] = [
  { name: 'audio-frame', run: audioFrame },
  { name: 'outbound-pacer', run: outboundPacer },
  { name: 'tts-ttfb', run: ttsTtfb },
  { name: 'tts-ttfb-websocket', run: ttsTtfbWebSocket },
  { name: 'pipeline-latency', run: pipelineLatency },
  { name: 'engine-bridge', run: engineBridge },
  { name: 'server-load', run: serverLoad },
  { name: 'vad', run: vad },
  { name: 'telemetry-overhead', run: telemetryOverhead },
  { name: 'answer-warmup', run: answerWarmup },
  { name: 'call-history', run: callHistory },
  { name: 'vendor-socket-send', run: vendorSocketSend },
];

// `node dist/main.js [name…]` runs the named benches only.
const only = process.argv.slice(2);
for (const bench of BENCHES) {
  if (only.length > 0 && !only.includes(bench.name)) continue;
  const report = await bench.run();
  console.log(`${formatReport(report)}\n`);
}
