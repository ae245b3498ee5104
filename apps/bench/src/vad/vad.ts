import { cpus, loadavg } from 'node:os';
import { EnergyVAD, type VADProvider } from '@patter/core';
import { SileroVAD } from '@patter/silero';
import type { BenchReport } from '../bench-report.js';
import { hiss, keyboard, loop, music, scaled } from './noise.js';
import { babble, speechClips } from './vad-fixtures.js';
import { bargeIns, FRAME_MS, mulawFrames } from './vad-trial.js';

const RATE = 8000;
/** Speech is at −20 dBFS RMS; the noise sits `snr` dB below it. */
const SPEECH_RMS = 0.1;
const SNRS = [20, 10, 5, 0] as const;
const NOISE_SECONDS = 60;
const LEAD_FRAMES = 100;

/**
 * Energy vs Silero VAD on what a phone line carries, through the session's barge-in rule (250 ms
 * of voiced frames): per noise type and SNR, the false barge-ins per minute of noise alone, and
 * for eight espeak utterances spoken over the noise, the delay from speech onset to the barge-in
 * (median) and the utterances never detected. Then the CPU per 20 ms frame. μ-law 8 kHz frames,
 * as Twilio sends them.
 */
export async function run(): Promise<BenchReport> {
  const energy = new EnergyVAD();
  const silero = new SileroVAD();
  await silero.warmup();
  const clips = speechClips();
  const noises: Record<string, Float64Array> = {
    babble: babble(),
    music: music(15, RATE),
    keyboard: keyboard(15, RATE),
    hiss: hiss(15, RATE),
  };
  const rows: (string | number)[][] = [];
  for (const [name, noise] of Object.entries(noises)) {
    for (const snr of SNRS) {
      const level = SPEECH_RMS / 10 ** (snr / 20);
      const alone = mulawFrames(scaled(loop(noise, NOISE_SECONDS * RATE), level));
      const row: (string | number)[] = [name, snr];
      const perMinute = 60 / NOISE_SECONDS;
      row.push((await bargeIns(energy, alone)).length * perMinute, (await bargeIns(silero, alone)).length * perMinute);
      const e = await detection(energy, clips, noise, level);
      const s = await detection(silero, clips, noise, level);
      row.push(e.median, s.median, `${e.missed}/${clips.length}`, `${s.missed}/${clips.length}`);
      rows.push(row);
    }
  }
  const cpu = await cpuPerFrame([['energy', energy], ['silero', silero]], clips, noises.babble!);
  await silero.close();
  return {
    title: 'vad: energy vs Silero on μ-law 8 kHz (barge-in after 250 ms of voiced frames)',
    columns: ['noise', 'SNR dB', 'false/min energy', 'false/min silero', 'delay ms energy', 'delay ms silero', 'missed energy', 'missed silero'],
    rows,
    notes: [
      `false/min: barge-ins per minute of the noise alone (${NOISE_SECONDS} s, the agent speaking); speech at −20 dBFS RMS, noise ${SNRS.join('/')} dB below.`,
      `delay: speech onset → barge-in, median over ${clips.length} espeak utterances (5 voices) spoken over the same noise after 2 s of it; missed: no barge-in by 500 ms after the utterance.`,
      'babble is six espeak voices talking at once: real speech, so a VAD is right to hear it (it is what a TV or a room sounds like).',
      ...cpu,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(2)}`,
    ],
  };
}

/** Median onset → barge-in delay and misses over the clips, each spoken over the noise. */
async function detection(vad: VADProvider, clips: readonly Float64Array[], noise: Float64Array, level: number) {
  const delays: number[] = [];
  let missed = 0;
  let offset = 0;
  for (const clip of clips) {
    const lead = LEAD_FRAMES * 160;
    const tail = 50 * 160;
    const bed = scaled(loop(noise, lead + clip.length + tail), level);
    // A different stretch of the noise for each clip.
    offset += 12_345;
    const shifted = bed.map((_, i) => bed[(i + offset) % bed.length]!);
    for (let i = 0; i < clip.length; i++) shifted[lead + i]! += clip[i]!;
    const frames = mulawFrames(shifted);
    const fired = (await bargeIns(vad, frames, LEAD_FRAMES)).filter((f) => f >= LEAD_FRAMES);
    const last = LEAD_FRAMES + Math.ceil(clip.length / 160) + 25;
    const first = fired.find((f) => f <= last);
    if (first === undefined) missed++;
    else delays.push((first + 1 - LEAD_FRAMES) * FRAME_MS);
  }
  delays.sort((a, b) => a - b);
  return { median: delays.length > 0 ? delays[Math.floor(delays.length / 2)]! : Number.NaN, missed };
}

/** CPU (all threads: onnxruntime's included) per 20 ms frame over a minute of speech in babble. */
async function cpuPerFrame(vads: readonly [string, VADProvider][], clips: readonly Float64Array[], noise: Float64Array): Promise<string[]> {
  const bed = scaled(loop(noise, NOISE_SECONDS * RATE), SPEECH_RMS / 10);
  let at = RATE;
  for (const clip of clips.concat(clips, clips)) {
    for (let i = 0; i < clip.length && at + i < bed.length; i++) bed[at + i]! += clip[i]!;
    at += clip.length + RATE;
  }
  const frames = mulawFrames(bed);
  const lines: string[] = [];
  // The agent speaking half the time, in 5 s turns: Silero runs only then (`onlyWhenNeeded`).
  const halfTheTime = (frame: number) => Math.floor(frame / 250) % 2 === 0;
  const runs: [string, VADProvider, ((frame: number) => boolean) | undefined][] = [
    ...vads.map(([name, vad]): [string, VADProvider, undefined] => [name, vad, undefined]),
    ...vads.filter(([name]) => name === 'silero').map(([name, vad]): [string, VADProvider, (f: number) => boolean] => [`${name} (agent speaking half the time)`, vad, halfTheTime]),
  ];
  for (const [name, vad, needed] of runs) {
    await bargeIns(vad, frames.slice(0, 500));
    const start = process.cpuUsage();
    const wall = performance.now();
    await bargeIns(vad, frames, -1, needed);
    const used = process.cpuUsage(start);
    const us = (used.user + used.system) / frames.length;
    const wallUs = ((performance.now() - wall) * 1000) / frames.length;
    lines.push(
      `cpu ${name}: ${us.toFixed(1)} µs per 20 ms frame (wall ${wallUs.toFixed(1)} µs) → ${Math.floor(20_000 / us).toLocaleString('en-US')} calls per core for the VAD alone`,
    );
  }
  return lines;
}
