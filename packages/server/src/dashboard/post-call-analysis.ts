import type { LLMProvider, ToolParameters } from '@patter/core';
import { createArgumentsValidator, toolJsonSchema } from '@patter/core/plugin';
import type { CallAnalysis, CallRecord } from '@patter/store';

/** `analysis` serve option: one LLM pass over each finished call's transcript. */
export interface AnalysisOptions {
  /** What to extract, e.g. "Summarize the call and say whether a table was booked." */
  readonly prompt: string;
  /** The result's shape: a JSON schema or a Standard Schema (zod 4 …). The result is validated against it. */
  readonly schema: ToolParameters;
  /** The model to use. Default: the served agent's `llm` (required for engine agents, which have none). */
  readonly llm?: LLMProvider;
  /** Give up after this long. Default 60 s. */
  readonly timeoutMs?: number;
}

/** The transcript as the model reads it: one line per turn or tool call. */
function transcriptText(record: CallRecord): string {
  return record.timeline
    .map((item) => {
      if (item.kind === 'tool') return `[tool ${item.name}(${JSON.stringify(item.arguments)})${item.result === undefined ? '' : ` → ${JSON.stringify(item.result)}`}]`;
      return `${item.kind === 'user' ? 'Caller' : 'Agent'}: ${item.text}${item.interrupted ? ' [interrupted]' : ''}`;
    })
    .join('\n');
}

/** The JSON object in a reply that may wrap it in prose or a ``` fence. */
function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) throw new SyntaxError('no JSON object in the reply');
  return JSON.parse(text.slice(start, end + 1));
}

/**
 * Runs the analysis once: the prompt and the schema as the system message, the transcript as the
 * user message; the reply must be a JSON object that validates. Never throws: a failure is
 * recorded as `{ error }` (no model text in it).
 */
export async function analyzeCall(record: CallRecord, options: AnalysisOptions, llm: LLMProvider, signal: AbortSignal): Promise<CallAnalysis> {
  const validate = createArgumentsValidator(options.schema);
  const schema = toolJsonSchema('analysis', options.schema);
  const system = `${options.prompt}\n\nAnswer with one JSON object only, no prose, matching this JSON schema:\n${JSON.stringify(schema)}`;
  let reply = '';
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const messages = [
      { role: 'system', content: system },
      { role: 'user', content: transcriptText(record) || '(nothing was said)' },
    ] as const;
    for await (const delta of llm.chat(messages, { signal: AbortSignal.any([signal, timeout]) })) {
      if (delta.type === 'text') reply += delta.text;
    }
  } catch (err) {
    return { at: Date.now(), error: `model request failed (${(err as Error).name})` };
  }
  let parsed: unknown;
  try {
    parsed = extractJson(reply);
  } catch {
    return { at: Date.now(), error: 'the model did not answer with JSON' };
  }
  const check = await validate(parsed);
  if (!check.ok) return { at: Date.now(), error: `the answer does not match the schema: ${check.errors.join('; ')}` };
  return { at: Date.now(), result: check.value };
}
