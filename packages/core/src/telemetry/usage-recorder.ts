import type { Attributes } from '@opentelemetry/api';
import type { CallEndSummary } from '../session/call-session.js';
import type { CallLabels } from './call-labels.js';
import type { PatterInstruments } from './patter-metrics.js';

type Usage = CallEndSummary['usage'];
type Cost = CallEndSummary['cost'];

/**
 * Adds one call's usage and estimated cost to the cost counters as it accrues: given the call's
 * running totals (after each turn, then at its end), it adds what grew since the last totals,
 * so a live call shows on dashboards and the counters end at the call's totals. Each amount is
 * labelled with the provider key and model of the provider that used it (the carrier for
 * telephony).
 */
export class UsageRecorder {
  /** What was added so far, by counter, provider key and token type. */
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly instruments: PatterInstruments,
    private readonly labels: CallLabels,
  ) {}

  record(usage: Usage, cost: Cost): void {
    const { instruments, labels } = this;
    for (const [key, fields] of Object.entries(usage)) {
      // A key the agent does not name directly (a fallback chain's members): its kind from its usage.
      const telephony = key === labels.carrier && !labels.byKey.has(key);
      const found = labels.byKey.get(key) ?? (telephony ? undefined : { kind: kindOf(fields), model: undefined });
      const base: Attributes = telephony
        ? { 'patter.carrier': key }
        : {
            [`patter.${found?.kind ?? 'other'}.provider`]: key,
            ...(found?.model === undefined ? {} : { [`patter.${found.kind}.model`]: found.model }),
          };
      const add = (name: string, counter: { add(value: number, attributes?: Attributes): void }, total: number | undefined, extra: Attributes = {}): void => {
        if (total === undefined || !(total > 0)) return;
        const id = `${name}|${key}|${Object.values(extra).join('|')}`;
        const delta = total - (this.recorded.get(id) ?? 0);
        if (!(delta > 0)) return;
        this.recorded.set(id, total);
        counter.add(delta, { ...base, ...extra });
      };
      if (telephony) {
        add('telephony', instruments.telephonySeconds, fields.callSeconds);
      } else if (found?.kind === 'engine') {
        add('engine', instruments.engineTokens, fields.inputTokens, { 'patter.token.modality': 'text', 'patter.token.direction': 'input' });
        add('engine', instruments.engineTokens, fields.outputTokens, { 'patter.token.modality': 'text', 'patter.token.direction': 'output' });
        add('engine', instruments.engineTokens, fields.inputAudioTokens, { 'patter.token.modality': 'audio', 'patter.token.direction': 'input' });
        add('engine', instruments.engineTokens, fields.outputAudioTokens, { 'patter.token.modality': 'audio', 'patter.token.direction': 'output' });
      } else {
        add('stt', instruments.sttSeconds, fields.audioSeconds);
        add('tts', instruments.ttsCharacters, fields.characters);
        const cached = fields.cachedInputTokens ?? 0;
        add('llm', instruments.llmTokens, (fields.inputTokens ?? 0) - cached, { 'patter.token.type': 'input' });
        add('llm', instruments.llmTokens, cached, { 'patter.token.type': 'cached' });
        add('llm', instruments.llmTokens, fields.outputTokens, { 'patter.token.type': 'output' });
      }
      const kind = telephony ? 'telephony' : (found?.kind ?? 'other');
      add('usd', instruments.usd, cost[key], { 'patter.provider.kind': kind });
    }
  }
}

function kindOf(fields: Readonly<Record<string, number>>): string {
  if (fields.audioSeconds !== undefined) return 'stt';
  if (fields.characters !== undefined) return 'tts';
  if (fields.inputAudioTokens !== undefined || fields.outputAudioTokens !== undefined) return 'engine';
  return 'llm';
}
