import { describe, expect, it } from 'vitest';
import { readLines, readNDJSON, readSSE } from './read-lines.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const part of parts) yield encoder.encode(part);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readLines', () => {
  it('splits on LF and CRLF across chunk boundaries, keeping a last unterminated line', async () => {
    expect(await collect(readLines(chunks('a\r', '\nb', 'c\n\nd')))).toEqual(['a', 'bc', '', 'd']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('é\n');
    async function* split() {
      yield bytes.subarray(0, 1);
      yield bytes.subarray(1);
    }
    expect(await collect(readLines(split()))).toEqual(['é']);
  });

  it('refuses a line longer than the limit', async () => {
    await expect(collect(readLines(chunks('x'.repeat(100)), 10))).rejects.toThrow(/longer than 10/);
  });
});

describe('readNDJSON', () => {
  it('parses lines, skips blanks and reports malformed lines without ending the stream', async () => {
    const bad: string[] = [];
    const values = await collect(readNDJSON(chunks('{"a":1}\n\nnot json\n{"a":', '2}\n'), (line) => bad.push(line)));
    expect(values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(bad).toEqual(['not json']);
  });
});

describe('readSSE', () => {
  it('joins multi-line data, honours event names and skips comments', async () => {
    const events = await collect(readSSE(chunks(': ping\n', 'event: delta\ndata: {"x"\ndata: :1}\n\n', 'data: [DONE]\n\n')));
    expect(events).toEqual([
      { event: 'delta', data: '{"x"\n:1}' },
      { event: 'message', data: '[DONE]' },
    ]);
  });
});
