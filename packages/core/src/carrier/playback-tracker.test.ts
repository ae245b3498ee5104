import { describe, expect, it } from 'vitest';
import { PlaybackTracker } from './playback-tracker.js';

describe('PlaybackTracker', () => {
  it('estimates played audio by clock and never falls behind marks', () => {
    let now = 1000;
    const tracker = new PlaybackTracker({ now: () => now });
    for (let i = 0; i < 10; i++) tracker.onAudioSent(20);
    tracker.onMarkSent('a');
    expect(tracker.playedMs()).toBe(0);
    expect(tracker.unplayedMs()).toBe(200);
    now += 50;
    expect(tracker.playedMs()).toBe(50);
    expect(tracker.onMarkEcho('a')).toBe('played');
    expect(tracker.playedMs()).toBe(200);
    now += 1000;
    expect(tracker.playedMs()).toBe(200);
  });

  it('tells discarded marks from played ones after clear', () => {
    let now = 0;
    const tracker = new PlaybackTracker({ now: () => now });
    tracker.onAudioSent(100);
    tracker.onMarkSent('m1');
    tracker.onAudioSent(100);
    tracker.onMarkSent('m2');
    now = 30;
    tracker.clear();
    expect(tracker.playedMs()).toBe(0);
    expect(tracker.unplayedMs()).toBe(0);
    expect(tracker.onMarkEcho('m1')).toBe('discarded');
    expect(tracker.onMarkEcho('m2')).toBe('discarded');
    expect(tracker.onMarkEcho('m2')).toBe('unknown');
  });
});
