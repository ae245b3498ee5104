/** Fills a frame's 4-byte masking key (ws's `generateMask` option). */
export type MaskKeyGenerator = (mask: Buffer) => void;

const zeroKey: MaskKeyGenerator = (mask) => {
  mask.fill(0);
};

/**
 * How a client socket to `url` masks its frames. RFC 6455 masks client frames with a random key
 * so that an intermediary that does not speak WebSocket cannot be fed attacker-chosen bytes it
 * would read as HTTP (cache poisoning, §10.3). No intermediary can read the frames of a TLS
 * connection (`wss:`) or of a loopback one, so there the key is zero: ws then sends each payload
 * as it is instead of XOR-ing a copy of it (100 ms of caller audio, ten times a second per call,
 * to an STT or a Realtime engine). Anywhere else `undefined`: ws's random key.
 */
export function maskKeyFor(url: string): MaskKeyGenerator | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol === 'wss:' || parsed.protocol === 'https:') return zeroKey;
  return isLoopback(parsed.hostname) ? zeroKey : undefined;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
