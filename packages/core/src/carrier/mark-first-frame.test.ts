import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../session/testing-fakes.js';
import { sendMarkingFirstFrame } from './mark-first-frame.js';

describe('sendMarkingFirstFrame', () => {
  it('splits at the next frame boundary of the timeline, so the mark needs no padding inside the audio', async () => {
    const transport = new FakeTransport();
    transport.start();
    transport.sendAudio(new Uint8Array(100)); // the previous reply ended 100 bytes into a frame (engine audio, no mark)
    const heard = sendMarkingFirstFrame(transport, new Uint8Array(400), 'patter-heard-engine-1');
    expect(transport.audio.map((a) => a.byteLength)).toEqual([100, 60, 340]); // the mark lands at 160 bytes: a frame boundary
    expect(transport.heardMarks).toEqual(['patter-heard-engine-1']);
    transport.play(20);
    expect(await heard).toBe(true);
  });

  it('on a frame boundary, marks after the first whole frame; audio short of the boundary goes whole with the mark after it', async () => {
    const transport = new FakeTransport();
    transport.start();
    void sendMarkingFirstFrame(transport, new Uint8Array(400), 'patter-heard-1');
    transport.sendAudio(new Uint8Array(80)); // 480 bytes: on a boundary again
    const short = sendMarkingFirstFrame(transport, new Uint8Array(50), 'patter-heard-2');
    expect(transport.audio.map((a) => a.byteLength)).toEqual([160, 240, 80, 50]);
    transport.clear();
    expect(await short).toBe(false);
  });
});
