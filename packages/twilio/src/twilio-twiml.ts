/** Escapes a value for an XML attribute or text node. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

/** `<Connect><Stream url>` with `<Parameter>`s: a bidirectional Media Stream. */
export function streamTwiml(streamUrl: string, parameters: Readonly<Record<string, string>>, head = true): string {
  let params = '';
  for (const [name, value] of Object.entries(parameters)) {
    params += `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`;
  }
  return `${head ? XML_HEAD : ''}<Response><Connect><Stream url="${escapeXml(streamUrl)}">${params}</Stream></Connect></Response>`;
}

/** `<Dial>` to a number or SIP URI, replacing the running TwiML (a transfer). */
export function dialTwiml(to: string, callerId?: string): string {
  const attrs = callerId === undefined ? '' : ` callerId="${escapeXml(callerId)}"`;
  const target = /^sips?:/i.test(to) ? `<Sip>${escapeXml(to)}</Sip>` : `<Number>${escapeXml(to)}</Number>`;
  return `<Response><Dial${attrs}>${target}</Dial></Response>`;
}

/** Refuses an inbound call (while the server is shutting down or full). */
export function rejectTwiml(): string {
  return `${XML_HEAD}<Response><Reject reason="busy"/></Response>`;
}
