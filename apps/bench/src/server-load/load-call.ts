import { randomBytes } from 'node:crypto';
import { parseStreamTwiml, signTwilioRequest } from '@patter/testing';
import WebSocket from 'ws';

/** How to reach the server: through Twilio's signed webhook, or straight to the floor's socket. */
export interface LoadTarget {
  readonly serverUrl: string;
  readonly floor: boolean;
  readonly accountSid: string;
  readonly authToken: string;
}

const PAYLOAD = Buffer.alloc(160, 0xff).toString('base64');

/**
 * One caller as Twilio plays it, kept lean so the generator is not the bottleneck: the signed
 * voice webhook, the TwiML's stream URL, `connected` + `start`, then 20 ms μ-law frames on the
 * generator's clock. Outbound media is counted and played out on a simulated jitter-free
 * playout clock (an underrun is a 20 ms tick with nothing to play once playout has started);
 * marks are echoed as Twilio does once everything before them has played (here: at once).
 */
export class LoadCall {
  /** 20 ms of agent audio received from the server (a message may carry several frames). */
  received = 0;
  /** Media messages received (one carries one or more frames). */
  mediaMessages = 0;
  /** Frames played on the simulated playout clock, and ticks with nothing to play. */
  played = 0;
  underruns = 0;
  private socket: WebSocket | undefined;
  private readonly streamSid = 'MZ' + randomBytes(16).toString('hex');
  private readonly callSid = 'CA' + randomBytes(16).toString('hex');
  private seq = 0;
  private chunk = 0;

  static async open(target: LoadTarget, n: number): Promise<LoadCall> {
    const call = new LoadCall();
    await call.connect(target, n);
    return call;
  }

  private async connect(target: LoadTarget, n: number): Promise<void> {
    let url = target.serverUrl.replace(/^http/, 'ws') + '/floor';
    let parameters: Record<string, string> = {};
    if (!target.floor) {
      const params = {
        AccountSid: target.accountSid,
        ApiVersion: '2010-04-01',
        CallSid: this.callSid,
        CallStatus: 'ringing',
        Direction: 'inbound',
        From: `+1415555${String(n).padStart(4, '0')}`,
        To: '+14155550199',
      };
      const voiceUrl = `${target.serverUrl}/twilio/voice`;
      const response = await fetch(voiceUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(target.authToken, voiceUrl, params) },
        body: new URLSearchParams(params).toString(),
      });
      const twiml = parseStreamTwiml(await response.text());
      url = twiml.url;
      parameters = twiml.parameters;
    }
    const socket = new WebSocket(url, { perMessageDeflate: false });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    socket.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: String(++this.seq),
        start: {
          accountSid: target.accountSid,
          streamSid: this.streamSid,
          callSid: this.callSid,
          tracks: ['inbound'],
          customParameters: parameters,
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
        streamSid: this.streamSid,
      }),
    );
  }

  /** One 20 ms caller frame. */
  sendFrame(): void {
    const chunk = ++this.chunk;
    this.socket?.send(
      `{"event":"media","sequenceNumber":"${++this.seq}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${(chunk - 1) * 20}","payload":"${PAYLOAD}"},"streamSid":"${this.streamSid}"}`,
    );
  }

  /** One 20 ms tick of the caller's playout. */
  playTick(): void {
    if (this.received === 0) return;
    if (this.received > this.played) this.played++;
    else this.underruns++;
  }

  async hangUp(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ event: 'stop', sequenceNumber: String(++this.seq), stop: { accountSid: '', callSid: this.callSid }, streamSid: this.streamSid }));
    socket.close(1000);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      setTimeout(resolve, 2_000).unref();
    });
  }

  private onMessage(data: Buffer): void {
    // Media is counted without parsing (its payload's decoded length in 160-byte frames); only
    // the rare other messages are parsed.
    if (data.includes('"event":"media"')) {
      const start = data.indexOf('"payload":"') + 11;
      const end = data.indexOf(0x22, start);
      const padding = data[end - 1] === 0x3d ? (data[end - 2] === 0x3d ? 2 : 1) : 0;
      this.received += Math.floor((((end - start) / 4) * 3 - padding) / 160);
      this.mediaMessages++;
      return;
    }
    const message = JSON.parse(data.toString('utf8')) as { event?: string; mark?: { name?: string } };
    if (message.event === 'mark') {
      this.socket?.send(JSON.stringify({ event: 'mark', sequenceNumber: String(++this.seq), streamSid: this.streamSid, mark: message.mark }));
    } else if (message.event === 'clear') {
      this.played = this.received;
    }
  }
}
