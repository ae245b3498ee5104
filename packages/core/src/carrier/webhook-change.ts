/** What `Carrier.configureWebhooks` points at this server: its public URL and the number it answers. */
export interface WebhookTarget {
  /** Public base URL the carrier reaches the server at (`https://abc.ngrok.app`). */
  readonly publicUrl: string;
  /** The server's number at the carrier, E.164. */
  readonly phoneNumber: string;
  /** Aborts the carrier's REST requests. */
  readonly signal?: AbortSignal;
}

/**
 * One setting at the carrier that `configureWebhooks` checked: `changed` when it was updated from
 * `before` to `after`, else it already held `after` and was left alone.
 */
export interface WebhookChange {
  /** The carrier resource, e.g. `IncomingPhoneNumber PN… (+1555…)` or `call_control_application 1293…`. */
  readonly resource: string;
  /** The field as the carrier's API names it, e.g. `VoiceUrl`, `webhook_event_url`. */
  readonly field: string;
  /** The value before (undefined when the carrier had none). */
  readonly before: string | undefined;
  /** The value it holds now (this server's URL, or the method/version Patter needs). */
  readonly after: string;
  /** True when Patter changed it; false when it already held `after`. */
  readonly changed: boolean;
}
