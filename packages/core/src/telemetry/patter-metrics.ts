import type { Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** One row of the metrics contract (the table in the core README). */
export interface MetricDefinition {
  readonly name: string;
  readonly instrument: 'counter' | 'histogram' | 'updowncounter';
  readonly unit: string;
  readonly description: string;
  readonly attributes: readonly string[];
}

const PROVIDERS = ['patter.stt.provider', 'patter.llm.provider', 'patter.tts.provider', 'patter.engine.provider'];
const TURN = ['patter.mode', 'patter.carrier', 'patter.interrupted', ...PROVIDERS];
/** A stage's latency also carries the model of the provider that serves it. */
const withModel = (kind: string): string[] => [...TURN, `patter.${kind}.model`];

/**
 * Every metric Patter records. Attributes are bounded (provider keys, models, carrier, mode,
 * reasons, tool names): never a call id or a phone number.
 */
export const METRIC_DEFINITIONS = {
  sttSeconds: {
    name: 'patter.cost.stt_seconds', instrument: 'counter', unit: 's',
    description: 'Caller audio sent to speech-to-text', attributes: ['patter.stt.provider', 'patter.stt.model'],
  },
  ttsCharacters: {
    name: 'patter.cost.tts_characters', instrument: 'counter', unit: '{character}',
    description: 'Characters synthesized', attributes: ['patter.tts.provider', 'patter.tts.model'],
  },
  llmTokens: {
    name: 'patter.cost.llm_tokens', instrument: 'counter', unit: '{token}',
    description: 'LLM tokens: input (not cached), cached input, output', attributes: ['patter.llm.provider', 'patter.llm.model', 'patter.token.type'],
  },
  engineTokens: {
    name: 'patter.cost.engine_tokens', instrument: 'counter', unit: '{token}',
    description: 'Speech-to-speech engine tokens',
    attributes: ['patter.engine.provider', 'patter.engine.model', 'patter.token.modality', 'patter.token.direction'],
  },
  telephonySeconds: {
    name: 'patter.cost.telephony_seconds', instrument: 'counter', unit: 's',
    description: 'Call time at the carrier', attributes: ['patter.carrier'],
  },
  usd: {
    name: 'patter.cost.usd', instrument: 'counter', unit: 'USD',
    description: 'Estimated cost from the pricing table',
    attributes: ['patter.provider.kind', 'patter.carrier', ...PROVIDERS, 'patter.stt.model', 'patter.llm.model', 'patter.tts.model', 'patter.engine.model'],
  },
  sttLatency: {
    name: 'patter.latency.stt', instrument: 'histogram', unit: 'ms',
    description: 'Caller speech end to final transcript', attributes: withModel('stt'),
  },
  llmFirstTokenLatency: {
    name: 'patter.latency.llm_first_token', instrument: 'histogram', unit: 'ms',
    description: 'Final transcript to first LLM token', attributes: withModel('llm'),
  },
  ttsFirstByteLatency: {
    name: 'patter.latency.tts_first_byte', instrument: 'histogram', unit: 'ms',
    description: 'TTS request to first audio byte', attributes: withModel('tts'),
  },
  frameworkLatency: {
    name: 'patter.latency.framework', instrument: 'histogram', unit: 'ms',
    description: "Patter's own share of the turn's latency", attributes: TURN,
  },
  totalLatency: {
    name: 'patter.latency.total', instrument: 'histogram', unit: 'ms',
    description: 'Caller speech end to first agent audio sent to the carrier', attributes: TURN,
  },
  heardLatency: {
    name: 'patter.latency.heard', instrument: 'histogram', unit: 'ms',
    description: 'Caller speech end to first agent audio played (carrier mark echo)', attributes: TURN,
  },
  callsActive: {
    name: 'patter.calls.active', instrument: 'updowncounter', unit: '{call}',
    description: 'Calls in progress', attributes: ['patter.carrier', 'patter.direction', 'patter.mode'],
  },
  callsStarted: {
    name: 'patter.calls.started', instrument: 'counter', unit: '{call}',
    description: 'Calls started', attributes: ['patter.carrier', 'patter.direction', 'patter.mode'],
  },
  callsEnded: {
    name: 'patter.calls.ended', instrument: 'counter', unit: '{call}',
    description: 'Calls ended, by reason', attributes: ['patter.carrier', 'patter.direction', 'patter.mode', 'patter.call.end_reason'],
  },
  callDuration: {
    name: 'patter.call.duration', instrument: 'histogram', unit: 's',
    description: 'Call duration', attributes: ['patter.carrier', 'patter.direction', 'patter.mode', 'patter.call.end_reason'],
  },
  bargeIns: {
    name: 'patter.barge_ins', instrument: 'counter', unit: '{interruption}',
    description: 'Callers speaking over the agent', attributes: ['patter.carrier', 'patter.mode'],
  },
  toolCalls: {
    name: 'patter.tool_calls', instrument: 'counter', unit: '{call}',
    description: 'Tool calls, by tool and outcome', attributes: ['patter.tool.name', 'patter.tool.outcome'],
  },
  providerErrors: {
    name: 'patter.provider.errors', instrument: 'counter', unit: '{error}',
    description: 'Provider failures that reached the call', attributes: ['patter.provider', 'patter.error.kind'],
  },
  providerRetries: {
    name: 'patter.provider.retries', instrument: 'counter', unit: '{retry}',
    description: 'Provider requests retried', attributes: ['patter.provider', 'patter.error.kind'],
  },
  providerReconnects: {
    name: 'patter.provider.reconnects', instrument: 'counter', unit: '{reconnect}',
    description: 'Provider sockets reopened mid-call', attributes: ['patter.provider', 'patter.error.kind'],
  },
} as const satisfies Record<string, MetricDefinition>;

type Definitions = typeof METRIC_DEFINITIONS;
type InstrumentOf<D> = D extends { instrument: 'histogram' } ? Histogram : D extends { instrument: 'updowncounter' } ? UpDownCounter : Counter;

/** The instruments of `METRIC_DEFINITIONS`, on one meter. */
export type PatterInstruments = { readonly [K in keyof Definitions]: InstrumentOf<Definitions[K]> };

/** Latency buckets, ms: fine where voice latency lives (0.2–2 s). */
const LATENCY_BUCKETS_MS = [25, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1500, 2000, 3000, 5000, 10000];

/** Creates every instrument on `meter` (once per meter provider; cheap, but not per frame). */
export function createPatterInstruments(meter: Meter): PatterInstruments {
  const out: Record<string, Counter | Histogram | UpDownCounter> = {};
  for (const [key, def] of Object.entries(METRIC_DEFINITIONS) as [string, MetricDefinition][]) {
    const options = {
      unit: def.unit,
      description: def.description,
      ...(def.unit === 'ms' ? { advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS } } : {}),
    };
    out[key] =
      def.instrument === 'histogram'
        ? meter.createHistogram(def.name, options)
        : def.instrument === 'updowncounter'
          ? meter.createUpDownCounter(def.name, options)
          : meter.createCounter(def.name, options);
  }
  return out as unknown as PatterInstruments;
}
