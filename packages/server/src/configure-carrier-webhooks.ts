import { ConfigError, type Carrier, type Logger, type WebhookChange } from '@patter/core';
import { maskPhoneNumber } from '@patter/core/plugin';
import { AutoConfigureError } from './auto-configure-error.js';

/** Refuses `autoConfigure` before anything starts when it cannot work. */
export function checkAutoConfigure(carrier: Carrier | undefined, webhookUrl: string | undefined): void {
  if (carrier === undefined) throw new ConfigError('autoConfigure', 'needs a carrier (new Patter({ carrier: new Twilio(), ... })): there is no number to configure');
  if (typeof carrier.configureWebhooks !== 'function') {
    throw new ConfigError('autoConfigure', `the ${carrier.key} carrier cannot configure its webhooks; set them at the carrier (see handle.webhooks)`);
  }
  if (webhookUrl === undefined) {
    throw new ConfigError('autoConfigure', "needs webhookUrl (new Patter({ webhookUrl: 'https://abc.ngrok.app' })): the public URL to point the number at");
  }
}

/**
 * Points the carrier's number at `publicUrl` and logs every setting it checked: changed (from → to)
 * or already right. Any failure rejects with an `AutoConfigureError` naming what could not be
 * configured. Nothing is restored on shutdown.
 */
export async function configureCarrierWebhooks(
  carrier: Carrier,
  target: { readonly publicUrl: string; readonly phoneNumber: string },
  logger: Logger,
): Promise<readonly WebhookChange[]> {
  let changes: readonly WebhookChange[];
  try {
    changes = await carrier.configureWebhooks!({ ...target, signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AutoConfigureError(`autoConfigure: could not point ${carrier.key} number ${target.phoneNumber} at ${target.publicUrl}: ${reason}`, { cause: error });
  }
  for (const change of changes) {
    const fields = { carrier: carrier.key, resource: change.resource, field: change.field };
    if (change.changed) logger.info({ ...fields, from: change.before ?? '', to: change.after }, 'carrier webhook setting changed');
    else logger.info({ ...fields, value: change.after }, 'carrier webhook setting already right, left unchanged');
  }
  logger.info(
    { carrier: carrier.key, number: maskPhoneNumber(target.phoneNumber), changed: changes.filter((c) => c.changed).length },
    'carrier configured for this server; nothing is restored on shutdown',
  );
  return changes;
}

/** One line for a person: `IncomingPhoneNumber PN… VoiceUrl: (unset) -> https://…` or `… already https://…`. */
export function describeWebhookChange(change: WebhookChange): string {
  const head = `${change.resource} ${change.field}`;
  return change.changed ? `${head}: ${change.before ?? '(unset)'} -> ${change.after}` : `${head}: already ${change.after}, unchanged`;
}
