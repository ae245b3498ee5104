import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeepAlive } from './keep-alive.js';

describe('KeepAlive', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends every interval until stopped, and start() twice runs one timer', () => {
    const send = vi.fn();
    const ka = new KeepAlive(100, send).start().start();
    vi.advanceTimersByTime(350);
    expect(send).toHaveBeenCalledTimes(3);
    ka.stop();
    vi.advanceTimersByTime(1000);
    expect(send).toHaveBeenCalledTimes(3);
    expect(ka.running).toBe(false);
  });

  it('onlyWhenIdle: no keep-alive while traffic flows, then one per idle interval', () => {
    const send = vi.fn();
    const ka = new KeepAlive(100, send, { onlyWhenIdle: true }).start();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(50);
      ka.touch();
    }
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(250);
    expect(send).toHaveBeenCalledTimes(2);
    ka.stop();
  });

  it('onlyWhenIdle: the first keep-alive goes out exactly one interval after the last traffic', () => {
    // Deepgram wants one every 3–5 s without audio; a tick skipped because audio was recent used
    // to push the first one to almost two intervals after the last audio.
    const sent: number[] = [];
    const start = Date.now();
    const ka = new KeepAlive(4000, () => sent.push(Date.now() - start), { onlyWhenIdle: true }).start();
    // Audio every 20 ms for 5.5 s: the timer's 4 s tick falls inside it.
    for (let t = 20; t <= 5500; t += 20) {
      vi.advanceTimersByTime(20);
      ka.touch();
    }
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(3999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([9500]);
    vi.advanceTimersByTime(8000);
    expect(sent).toEqual([9500, 13_500, 17_500]);
    ka.stop();
  });

  it('stops when the signal aborts, and never starts on an aborted signal', () => {
    const send = vi.fn();
    const controller = new AbortController();
    const ka = new KeepAlive(100, send, { signal: controller.signal }).start();
    vi.advanceTimersByTime(100);
    controller.abort();
    vi.advanceTimersByTime(1000);
    expect(send).toHaveBeenCalledTimes(1);
    expect(ka.running).toBe(false);
    expect(new KeepAlive(100, send, { signal: controller.signal }).start().running).toBe(false);
  });

  it('leaves no listener on a long-lived signal after stop() (one per reconnect would pile up)', () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) new KeepAlive(100, () => undefined, { signal: controller.signal }).start().stop();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a send that throws stops the timer and is reported, instead of escaping the timer', () => {
    const onError = vi.fn();
    const send = vi.fn(() => {
      throw new Error('socket gone');
    });
    const ka = new KeepAlive(100, send, { onError }).start();
    expect(() => vi.advanceTimersByTime(500)).not.toThrow();
    expect(send).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'socket gone' }));
    expect(ka.running).toBe(false);
  });
});
