import { afterAll, beforeAll } from 'vitest';
import { CarrierHarness, FakeTwilioApi, TwilioSimulator, type TwilioSimulatedCall } from '@patter/testing';
import { describeCarrierConformance } from '@patter/testing/vitest';
import { Twilio } from './twilio.js';

const ACCOUNT = 'AC00000000000000000000000000000001';
const TOKEN = 'fixture_auth_token_not_real_0001';

let api: FakeTwilioApi;
let harness: CarrierHarness;
let sim: TwilioSimulator;
const byCallSid = new Map<string, TwilioSimulatedCall>();

beforeAll(async () => {
  api = await new FakeTwilioApi(ACCOUNT, ACCOUNT, TOKEN).start();
  harness = await CarrierHarness.start(new Twilio({ accountSid: ACCOUNT, authToken: TOKEN, baseUrl: api.url }));
  sim = new TwilioSimulator({ serverUrl: harness.publicUrl, authToken: TOKEN, accountSid: ACCOUNT });
  // Like Twilio: a REST hang-up ends the stream with `stop`.
  api.onHangup = (callSid) => void byCallSid.get(callSid)?.stop();
});
afterAll(async () => {
  await harness.close();
  await api.close();
});

describeCarrierConformance({
  name: 'Twilio',
  async openCall() {
    const call = await sim.inboundCall({ start: false });
    api.addCall(call.callSid);
    byCallSid.set(call.callSid, call);
    const server = await harness.calls.next();
    return {
      transport: server.transport,
      start: async () => call.begin(),
      sendAudio: (audio) => call.sendAudio(audio, { frameBytes: audio.byteLength }),
      sendDtmf: async (digit) => call.sendDtmf(digit),
      stop: () => call.stop(),
      receivedAudio: () => call.receivedAudio(),
      receivedMarks: () => call.marks.items.map((m) => m.name),
      clearCount: () => call.clears.items.length,
      hangupCount: () => api.updates.items.filter((u) => u.callSid === call.callSid && u.form.get('Status') === 'completed').length,
      close: async () => {
        call.drop();
        await call.closed;
      },
    };
  },
});
