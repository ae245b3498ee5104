// The Patter demo: Luigi's Trattoria's receptionist. Picks its mode from the environment, serves
// the dev phone (and a real number when Twilio or Telnyx variables are set), and prints where to go.
import { existsSync } from 'node:fs';
import { createConsoleLogger } from '@patter/core';
import { Patter } from '@patter/server';
import { Telnyx } from '@patter/telnyx';
import { Twilio } from '@patter/twilio';
import { Bookings } from './bookings.js';
import { buildAgent } from './build-agent.js';
import { chooseCarrier, chooseMode } from './choose-mode.js';
import { startObservability } from './observability.js';
import { restaurantAgent } from './restaurant-agent.js';
import { webhookInstruction } from './webhook-instruction.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = process.env;
  const mode = chooseMode(env);
  const carrierChoice = chooseCarrier(env);
  const managerNumber = env.DEMO_MANAGER_NUMBER ?? '+15550100199';
  const bookings = new Bookings();
  // OpenTelemetry first: Patter records its metrics and traces into whatever SDK is registered.
  const telemetry = await startObservability(env);
  const logger = createConsoleLogger({ level: (env.PATTER_LOG_LEVEL as 'info' | undefined) ?? 'warn', bindings: { name: 'demo' } });

  const phone =
    carrierChoice.kind === 'none'
      ? new Patter({ logger })
      : new Patter({
          carrier: carrierChoice.kind === 'twilio' ? new Twilio() : new Telnyx(),
          phoneNumber: carrierChoice.phoneNumber,
          webhookUrl: carrierChoice.webhookUrl,
          logger,
        });
  const agent = phone.agent(buildAgent(mode, restaurantAgent(bookings, managerNumber), managerNumber));
  const handle = await phone.serve({
    agent,
    port: Number(env.PORT ?? 8000),
    devPhone: true,
    onCallEnd: (summary) => console.log(`demo: call ended (${summary.reason}) after ${Math.round(summary.durationMs / 1000)} s`),
  });

  console.log(`demo: mode ${mode.kind} — ${mode.reason}`);
  console.log(`demo: carrier — ${carrierChoice.kind === 'none' ? carrierChoice.reason : `${carrierChoice.kind} number ${carrierChoice.phoneNumber}`}`);
  if (carrierChoice.kind !== 'none') console.log(`demo: to take calls on the number, ${webhookInstruction(carrierChoice, handle.publicUrl)}`);
  if (handle.dashboardUrl) console.log(`demo: calls are recorded; see them at ${handle.dashboardUrl}`);
  if (telemetry.metricsUrl) console.log(`demo: Prometheus metrics at ${telemetry.metricsUrl}`);
  console.log(`demo: open ${handle.devPhoneUrl ?? handle.url} to call the agent from your browser (Ctrl-C to stop)`);
  console.log(
    handle.devPhoneAccess === 'secret'
      ? `demo: other devices reach the dev phone at ${handle.publicUrl}/phone (or this machine's LAN address, port ${handle.port}) after logging in with PATTER_DEVPHONE_SECRET`
      : 'demo: the dev phone answers this machine only; set PATTER_DEVPHONE_SECRET (16+ characters) to use it from other devices',
  );
}

// A setup problem (a missing variable, a port in use) is one line that says what to do, not a stack.
main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  console.error(`demo: ${code === 'EADDRINUSE' ? 'the port is already in use; set PORT to another one' : err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
