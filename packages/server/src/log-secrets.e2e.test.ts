import { createConsoleLogger } from '@patter/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, pipelineCall, WEBHOOK_SECRET } from './test-support/telemetry-pipeline-call.js';
import { VENDOR_KEYS, WEBHOOK_URL_TOKEN } from './test-support/telemetry-vendor-fakes.js';

// A full pipeline call (Twilio simulator, Deepgram/OpenAI/Cartesia fakes, a signed webhook
// tool whose first answer echoes the request into an error body) logged at debug level, in both formats: no credential appears on any line.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('logs of a full call', () => {
  for (const format of ['json', 'pretty'] as const) {
    it(`never contain an API key, the auth token, a signature or the stream token (${format}, every level)`, async () => {
      const lines: string[] = [];
      const logger = createConsoleLogger({ level: 'debug', format, write: (line) => void lines.push(line) });
      const { call, webhook } = await pipelineCall({ stt: 'deepgram', logger, closers, webhookFailsFirst: true });
      if (!('stream' in call)) throw new Error('expected a Twilio call');
      const streamToken = new URL(call.stream.url).searchParams.get('token') ?? call.stream.url.split('/').at(-1) ?? '';
      expect(streamToken.length).toBeGreaterThan(10);
      expect(webhook.requests).toHaveLength(2); // failed once (its body echoed the request), retried
      expect(lines.some((line) => line.includes('webhook tool failed, retrying'))).toBe(true);
      const signature = webhook.requests[0]?.header('x-patter-signature') ?? '';
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const secrets = [AUTH_TOKEN, WEBHOOK_SECRET, WEBHOOK_URL_TOKEN, streamToken, signature, signature.split('v1=')[1] ?? '', ...Object.values(VENDOR_KEYS)];
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.some((line) => line.includes('call started'))).toBe(true);
      const leaks = lines.filter((line) => secrets.some((secret) => line.includes(secret)));
      expect(leaks).toEqual([]);
    });
  }
});
