import { FakeWebSocketServer, type FakeWebSocketConnection } from '@patter/testing';

/** Beta-only `session.update` fields: the GA server rejects them as unknown parameters. */
const BETA_FIELDS = ['modalities', 'input_audio_format', 'output_audio_format', 'input_audio_transcription', 'voice', 'turn_detection'];

/**
 * A loopback fake of OpenAI's GA Realtime WebSocket endpoint, as strict as the real one on what
 * these tests rely on: path `/v1/realtime`, `?model=`, `Authorization: Bearer`, the beta header
 * refused with `beta_api_shape_disabled` + close 4000, `session.created` on connect, beta-shaped
 * `session.update` fields rejected as `unknown_parameter`, and `session.updated` echoing the
 * config (optionally with formats of its own choosing, as GA models have been seen to do).
 */
export async function startFakeRealtime(
  options: { readonly agreeFormat?: Record<string, unknown>; readonly apiKey?: string } = {},
): Promise<FakeWebSocketServer> {
  const apiKey = options.apiKey ?? 'sk-test';
  return FakeWebSocketServer.start({
    path: '/v1/realtime',
    onUpgrade: (req) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return { reject: { status: 401, body: '{"error":{"code":"invalid_api_key"}}' } };
      }
      if (!req.query.get('model')) return { reject: { status: 400, body: 'missing model' } };
      return undefined;
    },
    onConnection: async (conn) => {
      if (conn.headers['openai-beta'] !== undefined) {
        await conn.send({
          type: 'error',
          error: {
            type: 'invalid_request_error',
            code: 'beta_api_shape_disabled',
            message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.',
            param: null,
          },
        });
        await conn.close(4000, 'beta_api_shape_disabled');
        return;
      }
      await conn.send({ type: 'session.created', event_id: 'evt_1', session: { type: 'realtime', model: conn.query.get('model') } });
      const update = await conn.waitForJson<{ type: string; session: Record<string, any> }>((m) => m.type === 'session.update');
      const beta = BETA_FIELDS.find((field) => field in update.session);
      if (beta || update.session.type !== 'realtime') {
        await conn.send({
          type: 'error',
          error: { type: 'invalid_request_error', code: 'unknown_parameter', message: `Unknown parameter: 'session.${beta ?? 'type'}'.`, param: `session.${beta ?? 'type'}` },
        });
        return;
      }
      const session = structuredClone(update.session);
      if (options.agreeFormat) {
        session.audio.input.format = options.agreeFormat;
        session.audio.output.format = options.agreeFormat;
      }
      await conn.send({ type: 'session.updated', event_id: 'evt_2', session: { object: 'realtime.session', id: 'sess_1', ...session } });
    },
  });
}

/** Waits for the client's `session.update` and returns the whole event. */
export function sessionUpdate(conn: FakeWebSocketConnection): Promise<{ type: string; session: Record<string, any> }> {
  return conn.waitForJson<{ type: string; session: Record<string, any> }>((m) => m.type === 'session.update');
}
