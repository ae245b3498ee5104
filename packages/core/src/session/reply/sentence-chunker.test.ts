import { describe, expect, it } from 'vitest';
import { SentenceChunker } from './sentence-chunker.js';
import { substituteVariables } from '../substitute-variables.js';

/** Streams `text` character by character, the hardest case for the chunker. */
function chunk(text: string, options = {}): string[] {
  const chunker = new SentenceChunker(options);
  const out: string[] = [];
  for (const ch of text) out.push(...chunker.push(ch));
  const rest = chunker.flush();
  if (rest !== undefined) out.push(rest);
  return out;
}

describe('SentenceChunker', () => {
  it('splits sentences as soon as the next character shows the end', () => {
    const chunker = new SentenceChunker();
    expect(chunker.push('Hello there.')).toEqual([]);
    expect(chunker.push(' How')).toEqual(['Hello there.']);
    expect(chunker.push(' are you? Fine')).toEqual(['How are you?']);
    expect(chunker.flush()).toBe('Fine');
  });

  it('does not split numbers, decimals or prices', () => {
    expect(chunk('It costs $1,299.99 or 3.5 percent of 10,000. Okay?')).toEqual([
      'It costs $1,299.99 or 3.5 percent of 10,000.',
      'Okay?',
    ]);
  });

  it('does not split abbreviations, titles or initials', () => {
    expect(chunk('Dr. Smith sees you at 9 a.m. on Jan. 5, e.g. next week. J. R. R. Tolkien wrote it. Done.')).toEqual([
      'Dr. Smith sees you at 9 a.m. on Jan. 5, e.g. next week.',
      'J. R. R. Tolkien wrote it.',
      'Done.',
    ]);
  });

  it('does not split URLs or e-mail addresses', () => {
    expect(chunk('Go to https://acme.example.com/v1.2/help.html now. Or mail help@acme.co.uk today.')).toEqual([
      'Go to https://acme.example.com/v1.2/help.html now.',
      'Or mail help@acme.co.uk today.',
    ]);
  });

  it('keeps list numbers with their item, on separate lines and inline', () => {
    expect(chunk('Options:\n1. Billing\n2. Support\n3. Sales')).toEqual(['Options:', '1. Billing', '2. Support', '3. Sales']);
    expect(chunk('Pick 1. Billing 2. Support 3. Sales. Which one?')).toEqual(['Pick 1. Billing 2. Support 3. Sales.', 'Which one?']);
  });

  it('cuts a long enough first clause at a comma so speech starts sooner, later ones only at sentence ends', () => {
    expect(
      chunk('Thanks for calling the Acme support line today, I can help with that, and with anything else. Bye, now.'),
    ).toEqual(['Thanks for calling the Acme support line today,', 'I can help with that, and with anything else.', 'Bye, now.']);
    expect(chunk('Sure, one moment.')).toEqual(['Sure, one moment.']);
  });

  it('keeps closing quotes and brackets with the sentence they end', () => {
    expect(chunk('He said "we are open." Then he left. (It was late.) Right?’ No.')).toEqual([
      'He said "we are open."',
      'Then he left.',
      '(It was late.)',
      'Right?’',
      'No.',
    ]);
    expect(chunk("Ask for \"Dr.\" Smith. The boss' car is here. Ok.")).toEqual(['Ask for "Dr." Smith.', "The boss' car is here.", 'Ok.']);
  });

  it('emits ! ? and ellipsis ends, drops punctuation-only leftovers', () => {
    expect(chunk('Great! Really? Well… ok ...')).toEqual(['Great!', 'Really?', 'Well…', 'ok ...']);
    expect(chunk('Hi. ...')).toEqual(['Hi.']);
  });
});

describe('substituteVariables', () => {
  it('fills known names, leaves unknown ones and JSON alone, unescapes double braces', () => {
    expect(substituteVariables('Hi {name}, order {order_id}. {unknown} {"a": 1} {{name}}', { name: 'Ann', order_id: '42' })).toBe(
      'Hi Ann, order 42. {unknown} {"a": 1} {name}',
    );
  });
});
