import { ProviderAuthError, ProviderStatusError } from '@patter/core';
import { readNDJSON, type HttpTTSDecoder } from '@patter/core/plugin';

interface InworldLine {
  readonly result?: { readonly audioContent?: unknown };
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/** gRPC status codes Inworld puts in an `error` line → the HTTP status with the same meaning. */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = {
  1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401,
};

/**
 * Inworld's `voice:stream` body: one JSON object per line, `{"result":{"audioContent":"<b64>"}}`
 * or a terminal `{"error":{"code","message"}}`. Audio lines become bytes (header stripping is
 * the caller's); an error line becomes a typed error (its gRPC code mapped to an HTTP status, so
 * 8/14 are retryable before the first byte); a malformed line is logged and skipped.
 */
export function decodeInworldStream(callId?: string): HttpTTSDecoder {
  return async function* decode(body, { provider, logger }) {
    const onMalformed = (line: string) =>
      logger.warn({ provider, callId, bytes: line.length }, 'inworld sent a malformed stream line; skipped');
    for await (const line of readNDJSON<InworldLine>(body, onMalformed)) {
      if (typeof line !== 'object' || line === null) {
        onMalformed(JSON.stringify(line));
        continue;
      }
      if (line.error) {
        const code = typeof line.error.code === 'number' ? line.error.code : 2;
        const status = GRPC_TO_HTTP[code] ?? 500;
        const message = typeof line.error.message === 'string' ? line.error.message.slice(0, 200) : '';
        if (status === 401 || status === 403) throw new ProviderAuthError(provider, status, 'INWORLD_API_KEY', { body: line.error });
        throw new ProviderStatusError(provider, status, `stream error ${code}${message ? `: ${message}` : ''}`, { body: line.error });
      }
      const audio = line.result?.audioContent;
      if (typeof audio === 'string' && audio.length > 0) yield Buffer.from(audio, 'base64');
    }
  };
}
