import type { Attributes } from '@opentelemetry/api';
import type { CallEndSummary } from '../session/call-session.js';
import type { CallLabels } from './call-labels.js';
import type { PatterInstruments } from './patter-metrics.js';

/**
 * Adds one ended call's usage and estimated cost to the cost counters, each labelled with the
 * provider key and model of the provider that used it (the carrier for telephony).
 */
export function recordUsage(instruments: PatterInstruments, labels: CallLabels, summary: CallEndSummary): void {
  for (const [key, fields] of Object.entries(summary.usage)) {
    // A key the agent does not name directly (a fallback chain's members): its kind from its usage.
    const found = labels.byKey.get(key) ?? (key === labels.carrier ? undefined : { kind: kindOf(fields), model: undefined });
    const base: Attributes =
      key === labels.carrier && !found
        ? { 'patter.carrier': key }
        : {
            [`patter.${found?.kind ?? 'other'}.provider`]: key,
            ...(found?.model === undefined ? {} : { [`patter.${found.kind}.model`]: found.model }),
          };
    const add = (counter: { add(value: number, attributes?: Attributes): void }, amount: number | undefined, extra: Attributes = {}): void => {
      if (amount !== undefined && amount > 0) counter.add(amount, { ...base, ...extra });
    };
    if (key === labels.carrier && !found) {
      add(instruments.telephonySeconds, fields.callSeconds);
    } else if (found?.kind === 'engine') {
      add(instruments.engineTokens, fields.inputTokens, { 'patter.token.modality': 'text', 'patter.token.direction': 'input' });
      add(instruments.engineTokens, fields.outputTokens, { 'patter.token.modality': 'text', 'patter.token.direction': 'output' });
      add(instruments.engineTokens, fields.inputAudioTokens, { 'patter.token.modality': 'audio', 'patter.token.direction': 'input' });
      add(instruments.engineTokens, fields.outputAudioTokens, { 'patter.token.modality': 'audio', 'patter.token.direction': 'output' });
    } else {
      add(instruments.sttSeconds, fields.audioSeconds);
      add(instruments.ttsCharacters, fields.characters);
      const cached = fields.cachedInputTokens ?? 0;
      add(instruments.llmTokens, (fields.inputTokens ?? 0) - cached, { 'patter.token.type': 'input' });
      add(instruments.llmTokens, cached, { 'patter.token.type': 'cached' });
      add(instruments.llmTokens, fields.outputTokens, { 'patter.token.type': 'output' });
    }
    const kind = key === labels.carrier && !found ? 'telephony' : (found?.kind ?? 'other');
    add(instruments.usd, summary.cost[key], { 'patter.provider.kind': kind });
  }
}

function kindOf(fields: Readonly<Record<string, number>>): string {
  if (fields.audioSeconds !== undefined) return 'stt';
  if (fields.characters !== undefined) return 'tts';
  if (fields.inputAudioTokens !== undefined || fields.outputAudioTokens !== undefined) return 'engine';
  return 'llm';
}
