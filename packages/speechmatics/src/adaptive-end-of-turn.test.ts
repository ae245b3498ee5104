import { describe, expect, it } from 'vitest';
import { AdaptiveEndOfTurn } from './adaptive-end-of-turn.js';

describe('AdaptiveEndOfTurn', () => {
  it('waits less after a full stop and more after a filler or conjunction', () => {
    const turn = new AdaptiveEndOfTurn({ baseDelay: 0.8, onEndOfTurn: () => {} });
    expect(turn.delayFor('Book it for Monday.')).toBeCloseTo(0.6);
    expect(turn.delayFor('Is it open?')).toBeCloseTo(0.6);
    expect(turn.delayFor('I want the table and')).toBeCloseTo(1.6);
    expect(turn.delayFor('for Monday um')).toBeCloseTo(1.6);
    expect(turn.delayFor('for Monday')).toBeCloseTo(1.0);
  });
});

describe('AdaptiveEndOfTurn timing', () => {
  it('counts the wait from the speech, not from the late final, and restarts on new speech', async () => {
    const ends: number[] = [];
    const started = performance.now();
    const turn = new AdaptiveEndOfTurn({ baseDelay: 1.2, onEndOfTurn: () => ends.push(performance.now() - started) });
    turn.heard('book a table');
    await new Promise((resolve) => setTimeout(resolve, 400));
    turn.refine('Book a table.'); // the final lags: a 0.9 s wait of which 0.4 s already passed
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeGreaterThan(880);
    expect(ends[0]).toBeLessThan(1250); // restarting at the final would end at ≥ 1300 ms
    turn.heard('and');
    turn.stop();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(ends).toHaveLength(1);
  });
});
