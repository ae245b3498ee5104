import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor: a bare `ws` server that accepts the generator's calls on any path, parses every
 * Twilio media message and answers each inbound frame with one outbound media frame of the same
 * payload. Whatever a real server costs above this is Patter's.
 */
export async function startFloorServer(port: number): Promise<{ readonly connections: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  let connections = 0;
  wss.on('connection', (ws: WebSocket) => {
    connections++;
    let streamSid = '';
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { event?: string; streamSid?: string; media?: { payload?: string } };
      if (message.event === 'start') streamSid = message.streamSid ?? '';
      else if (message.event === 'media') ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: message.media?.payload } }));
    });
    ws.on('close', () => connections--);
    ws.on('error', () => {});
  });
  return {
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
