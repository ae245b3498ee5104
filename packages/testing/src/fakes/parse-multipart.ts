import { TestKitError } from '../test-kit-error.js';

/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Buffer;
  /** `data` as UTF-8 text. */
  readonly text: string;
}

/** Parse a `multipart/form-data` body given its `Content-Type` header (strict: a malformed body throws). */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) {
    throw new TestKitError(`not a multipart/form-data body (content-type: ${contentType ?? 'none'})`);
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new TestKitError('multipart body has no opening boundary');
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString() === '--') return parts;
    if (body.subarray(position, position + 2).toString() !== '\r\n') throw new TestKitError('malformed multipart boundary line');
    position += 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), position);
    if (next < 0) throw new TestKitError('multipart body has no closing boundary');
    parts.push(parsePart(body.subarray(position, next)));
    position = next + 2;
  }
}

function parsePart(raw: Buffer): MultipartPart {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new TestKitError('multipart part without header block');
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, split).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const disposition = headers['content-disposition'] ?? '';
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  if (name === undefined) throw new TestKitError('multipart part without a name');
  const data = raw.subarray(split + 4);
  return {
    name,
    filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
    contentType: headers['content-type'],
    headers,
    data,
    text: data.toString('utf8'),
  };
}
