// Embedding: mount Patter's Twilio webhooks and media-stream upgrades on your existing node:http
// server (the same two calls work from Express: `app.use((req, res, next) => patter.handleRequest(req, res).then((done) => done || next()))`
// before any body parser, and `server.on('upgrade', …)` on the server Express listens with).
//   TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… TWILIO_PHONE_NUMBER=+1… PATTER_WEBHOOK_URL=https://abc.ngrok.app \
//   OPENAI_API_KEY=… npx tsx examples/embed-node-http.ts
import { createServer, type Server } from 'node:http';
import { OpenAIRealtime } from '@patter/openai-realtime';
import { Patter, type PatterHandler } from '@patter/server';
import { Twilio } from '@patter/twilio';
import { isMain } from './run-main.js';

/** The app's own server: its routes, plus Patter's on the same port. */
export function createAppServer(env: NodeJS.ProcessEnv = process.env): { server: Server; patter: PatterHandler } {
  const phone = new Patter({
    carrier: new Twilio({ ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}) }),
    phoneNumber: env.TWILIO_PHONE_NUMBER ?? '',
    ...(env.PATTER_WEBHOOK_URL ? { webhookUrl: env.PATTER_WEBHOOK_URL } : {}),
  });
  const agent = phone.agent({
    engine: new OpenAIRealtime({ ...(env.OPENAI_REALTIME_URL ? { baseUrl: env.OPENAI_REALTIME_URL } : {}) }),
    systemPrompt: 'You are the receptionist of Acme.',
  });
  const patter = phone.handler({ agent });
  const server = createServer(async (req, res) => {
    if (await patter.handleRequest(req, res)) return;
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('the app');
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!patter.handleUpgrade(req, socket, head)) socket.destroy();
  });
  return { server, patter };
}

if (isMain(import.meta.url)) {
  const { server, patter } = createAppServer();
  server.listen(Number(process.env.PORT ?? 3000), () => console.log(`configure at Twilio: ${patter.webhooks.join(', ')}`));
  process.once('SIGTERM', () => void patter.close().then(() => server.close()));
}
