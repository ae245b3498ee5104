import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { CarrierHarness, FakeTelnyxApi, rawPublicKeyBase64, TelnyxSimulator, type TelnyxSimulatedCall } from '@patter/testing';
import { describeCarrierConformance } from '@patter/testing/vitest';
import { Telnyx } from './telnyx.js';

let api: FakeTelnyxApi;
let harness: CarrierHarness;
let sim: TelnyxSimulator;
const byId = new Map<string, TelnyxSimulatedCall>();

beforeAll(async () => {
  api = await new FakeTelnyxApi('KEY_fixture').start();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  harness = await CarrierHarness.start(new Telnyx({ apiKey: 'KEY_fixture', publicKey: rawPublicKeyBase64(publicKey), baseUrl: `${api.url}/v2` }));
  sim = new TelnyxSimulator({ serverUrl: harness.publicUrl, api, privateKey });
  // Like Telnyx: a hangup command ends the stream with `stop`.
  api.onHangup = (id) => void byId.get(id)?.stop();
});
afterAll(async () => {
  await harness.close();
  await api.close();
});

describeCarrierConformance({
  name: 'Telnyx',
  async openCall() {
    const call = await sim.inboundCall({ start: false });
    byId.set(call.callControlId, call);
    const server = await harness.calls.next();
    return {
      transport: server.transport,
      start: async () => call.begin(),
      sendAudio: (audio) => call.sendAudio(audio, { frameBytes: audio.byteLength }),
      sendDtmf: (digit) => call.sendDtmf(digit),
      stop: () => call.stop(),
      receivedAudio: () => call.receivedAudio(),
      receivedMarks: () => call.marks.items.map((m) => m.name),
      clearCount: () => call.clears.items.length,
      hangupCount: () => api.commands.items.filter((c) => c.callControlId === call.callControlId && c.action === 'hangup').length,
      close: async () => {
        call.drop();
        await call.closed;
      },
    };
  },
});
