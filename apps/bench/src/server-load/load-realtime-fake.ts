import type { WebSocket, WebSocketServer } from 'ws';

/** Agent audio per delta and per tick of the fake's clock: 100 ms of PCM16 24 kHz. */
const DELTA_MS = 100;
const DELTA = Buffer.alloc((24_000 * 2 * DELTA_MS) / 1000).toString('base64');
const APPEND_PREFIX = '{"type":"input_audio_buffer.append"';

/** What the Realtime fake received, for the audio-delivered figure. */
export interface RealtimeCounters {
  /** Caller audio bytes appended (decoded length, PCM16 24 kHz). */
  realtimeBytes: number;
  realtimeSockets: number;
}

/**
 * A lean loopback stand-in for OpenAI's GA Realtime WebSocket (`/v1/realtime`, protocols/openai.md),
 * enough for an engine call that speaks all call long: `session.created` on connect, `session.updated`
 * echoing the client's `session.update`, and on `response.create` (the greeting) one response whose
 * audio (`response.output_audio.delta`, 100 ms of PCM16 24 kHz silence each) lasts until the socket
 * closes. The deltas are sent on one shared 100 ms clock, i.e. at real time: the vendor generates
 * faster than that in bursts, but a greeting that lasts the whole call would then be one 30 s
 * burst held by the server, which is what backpressure avoids for the pipeline and is not what an
 * engine call looks like (its replies are seconds long). `input_audio_buffer.append` is counted by
 * the length of its base64 audio without parsing it (the generator shares a core with this fake).
 * Server VAD never fires: no caller turn starts.
 */
export function serveRealtime(wss: WebSocketServer, counters: RealtimeCounters): { handle(ws: WebSocket): void; close(): void } {
  const speaking = new Map<WebSocket, { response: string; item: string }>();
  const clock = setInterval(() => {
    for (const [ws, { response, item }] of speaking) {
      ws.send(`{"type":"response.output_audio.delta","response_id":"${response}","item_id":"${item}","output_index":0,"content_index":0,"delta":"${DELTA}"}`);
    }
  }, DELTA_MS);
  clock.unref();
  let ids = 0;
  return {
    handle(ws) {
      counters.realtimeSockets++;
      ws.send(JSON.stringify({ type: 'session.created', event_id: 'evt_1', session: { type: 'realtime', model: 'gpt-realtime-mini' } }));
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) return;
        if (data.subarray(0, APPEND_PREFIX.length).toString('latin1') === APPEND_PREFIX) {
          const start = data.indexOf('"audio":"') + 9;
          const end = data.indexOf(0x22, start);
          const padding = data[end - 1] === 0x3d ? (data[end - 2] === 0x3d ? 2 : 1) : 0;
          counters.realtimeBytes += ((end - start) / 4) * 3 - padding;
          return;
        }
        const event = JSON.parse(data.toString('utf8')) as { type?: string; session?: Record<string, unknown> };
        if (event.type === 'session.update') {
          ws.send(JSON.stringify({ type: 'session.updated', event_id: 'evt_2', session: { object: 'realtime.session', id: 'sess_load', ...event.session } }));
        } else if (event.type === 'response.create' && !speaking.has(ws)) {
          const n = ++ids;
          const response = `resp_${n}`;
          const item = `item_${n}`;
          ws.send(JSON.stringify({ type: 'response.created', response: { id: response, object: 'realtime.response', status: 'in_progress' } }));
          ws.send(
            JSON.stringify({
              type: 'response.output_item.added',
              response_id: response,
              output_index: 0,
              item: { id: item, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
            }),
          );
          speaking.set(ws, { response, item });
        }
      });
      ws.on('close', () => speaking.delete(ws));
      ws.on('error', () => {});
    },
    close() {
      clearInterval(clock);
      speaking.clear();
    },
  };
}
