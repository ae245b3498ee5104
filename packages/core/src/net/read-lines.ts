/**
 * Splits a byte stream into UTF-8 lines (without the line break; `\r\n` and `\n` both end a
 * line). A final line without a break is yielded too. Never buffers more than one line plus
 * one chunk; a line longer than `maxLineBytes` throws (a misbehaving server cannot grow memory).
 */
export async function* readLines(
  stream: AsyncIterable<Uint8Array | string>,
  maxLineBytes = 1 << 20,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield pending.slice(start, end);
      start = nl + 1;
    }
    pending = pending.slice(start);
    if (pending.length > maxLineBytes) throw new Error(`line longer than ${maxLineBytes} bytes`);
  }
  pending += decoder.decode();
  if (pending.length > 0) yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}

/**
 * Newline-delimited JSON: yields each non-empty line parsed. A line that is not JSON is passed
 * to `onMalformed` (log it) and skipped, so one bad line does not end the stream.
 */
export async function* readNDJSON<T = unknown>(
  stream: AsyncIterable<Uint8Array | string>,
  onMalformed: (line: string, error: unknown) => void = () => {},
): AsyncGenerator<T> {
  for await (const line of readLines(stream)) {
    if (line.trim() === '') continue;
    let value: T;
    try {
      value = JSON.parse(line) as T;
    } catch (error) {
      onMalformed(line, error);
      continue;
    }
    yield value;
  }
}

export interface SSEEvent {
  /** `event:` field; `message` when absent. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
  readonly id?: string;
}

/** Server-sent events, per the WHATWG parsing rules (comments skipped, multi-line data joined). */
export async function* readSSE(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<SSEEvent> {
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  for await (const line of readLines(stream)) {
    if (line === '') {
      if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) };
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) };
}
