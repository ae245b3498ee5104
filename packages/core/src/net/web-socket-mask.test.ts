import { describe, expect, it } from 'vitest';
import { maskKeyFor } from './web-socket-mask.js';

function keyOf(url: string): number[] | undefined {
  const generate = maskKeyFor(url);
  if (!generate) return undefined;
  const mask = Buffer.from([1, 2, 3, 4]);
  generate(mask);
  return [...mask];
}

describe('maskKeyFor', () => {
  it('uses a zero key over TLS, where no intermediary reads the frames', () => {
    expect(keyOf('wss://api.example.com/v1/listen?x=1')).toEqual([0, 0, 0, 0]);
  });

  it('uses a zero key on loopback', () => {
    for (const url of ['ws://127.0.0.1:8080/stt', 'ws://127.3.2.1', 'ws://localhost:9/x', 'ws://LOCALHOST:9', 'ws://[::1]:80/x']) {
      expect(keyOf(url), url).toEqual([0, 0, 0, 0]);
    }
  });

  it("leaves ws's random key to plain connections that leave the host", () => {
    for (const url of ['ws://api.example.com/v1', 'ws://10.0.0.5:8080', 'ws://127.example.com', 'not a url']) {
      expect(maskKeyFor(url), url).toBeUndefined();
    }
  });
});
