// Embedding into an Express app: Patter's middleware goes first (before any body parser: Twilio's
// signature is checked on the raw body), the media-stream upgrade on the server Express listens with.
//   TWILIO_ACCOUNT_SID=… TWILIO_AUTH_TOKEN=… TWILIO_PHONE_NUMBER=+1… PATTER_WEBHOOK_URL=https://abc.ngrok.app \
//   OPENAI_API_KEY=… npx tsx examples/embed-express.ts
// (express is a devDependency of the examples only: Patter does not depend on it.)
import type { Server } from 'node:http';
import express from 'express';
import { OpenAIRealtime } from '@patter/openai-realtime';
import { Patter, type PatterHandler } from '@patter/server';
import { Twilio } from '@patter/twilio';
import { isMain } from './run-main.js';

/** The Express app with its own JSON API, and Patter mounted on it. */
export function createExpressApp(env: NodeJS.ProcessEnv = process.env): { app: express.Express; patter: PatterHandler } {
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
  const app = express();
  app.use((req, res, next) => {
    patter.handleRequest(req, res).then((handled) => handled || next(), next);
  });
  app.use(express.json());
  app.post('/api/echo', (req, res) => void res.json({ echo: (req.body as { text?: string }).text ?? '' }));
  return { app, patter };
}

/** Listens, and routes WebSocket upgrades on the carrier's stream path to Patter. */
export function listen(app: express.Express, patter: PatterHandler, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(port, host, () => resolve(server));
    server.on('upgrade', (req, socket, head) => {
      if (!patter.handleUpgrade(req, socket, head)) socket.destroy();
    });
  });
}

if (isMain(import.meta.url)) {
  const { app, patter } = createExpressApp();
  const server = await listen(app, patter, Number(process.env.PORT ?? 3000));
  console.log(`configure at Twilio: ${patter.webhooks.join(', ')}`);
  process.once('SIGTERM', () => void patter.close().then(() => server.close()));
}
