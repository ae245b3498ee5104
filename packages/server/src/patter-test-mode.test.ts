import { PassThrough } from 'node:stream';
import { silentLogger } from '@patter/core';
import { describe, expect, it } from 'vitest';
import { Patter } from './patter.js';

describe('phone.test()', () => {
  it('runs a terminal conversation with the agent through stdin and stdout', async () => {
    const phone = new Patter({ logger: silentLogger });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const done = phone.test({
      agent: { firstMessage: 'Hi, Acme here.', onMessage: ({ text: said }) => `You said ${said}.` },
      input,
      output,
    });
    input.write('hello\n');
    input.write('/quit\n');
    input.end();
    const summary = await done;
    expect(text).toContain('Hi, Acme here.');
    expect(text).toContain('You said hello.');
    expect(summary.transcript.map((t) => t.text)).toEqual(['Hi, Acme here.', 'hello', 'You said hello.']);
  });

  it('validates the agent like phone.agent() does', () => {
    const phone = new Patter({ logger: silentLogger });
    expect(() => phone.test({ agent: { system_prompt: 'x' } as never })).toThrow(/did you mean systemPrompt/);
  });
});
