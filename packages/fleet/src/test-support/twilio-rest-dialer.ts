import { httpRequest } from '@patter/core/plugin';
import type { CarrierCallInfo, Dialer, DialRequest } from '../dialer.js';

/** A Dialer speaking Twilio's Calls API (create; list by To/From), for tests against FakeTwilioApi. */
export class TwilioRestDialer implements Dialer {
  private readonly authorization: string;
  /** Throw after the carrier answered, before returning the sid (a worker dying at that instant). */
  loseAnswerOf: ((request: DialRequest) => boolean) | undefined;

  constructor(private readonly baseUrl: string, private readonly accountSid: string, user: string, password: string) {
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  async dial(request: DialRequest): Promise<{ readonly callId: string }> {
    const form = new URLSearchParams({
      To: request.to,
      From: request.from,
      Twiml: `<Response><Connect><Stream url="wss://fleet.example.com/twilio/stream"><Parameter name="attempt" value="${request.attemptId}"/></Stream></Connect></Response>`,
    });
    const response = await httpRequest(`${this.baseUrl}/2010-04-01/Accounts/${this.accountSid}/Calls.json`, {
      provider: 'twilio',
      method: 'POST',
      headers: { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs: 10_000,
      signal: request.signal,
    });
    const body = (await response.body.json()) as { sid: string };
    if (this.loseAnswerOf?.(request)) throw new Error('connection reset after the carrier answered');
    return { callId: body.sid };
  }

  async findCalls(query: { to: string; from: string; since: number; signal: AbortSignal }): Promise<readonly CarrierCallInfo[]> {
    const params = new URLSearchParams({ To: query.to, From: query.from });
    const response = await httpRequest(`${this.baseUrl}/2010-04-01/Accounts/${this.accountSid}/Calls.json?${params}`, {
      provider: 'twilio',
      method: 'GET',
      headers: { authorization: this.authorization },
      timeoutMs: 10_000,
      signal: query.signal,
    });
    const body = (await response.body.json()) as { calls: { sid: string; status: string; date_created: string; answered_by: string | null }[] };
    return body.calls
      .filter((call) => Date.parse(call.date_created) >= query.since - 1000)
      .map((call) => ({ callId: call.sid, status: call.status, ...(call.answered_by?.startsWith('machine') === true && { answeredBy: 'machine' as const }) }));
  }
}
