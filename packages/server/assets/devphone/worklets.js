// Audio worklets of the dev phone. The AudioContext runs at 16 kHz, the dev phone's wire rate.

const FRAME = 320; // 20 ms at 16 kHz

/** Microphone → 20 ms PCM16 frames posted to the page. */
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const s = Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === FRAME) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME);
        this.filled = 0;
      }
    }
    return true;
  }
}

/**
 * Agent audio → speaker, through a jitter buffer: after running dry it waits for `startMs` of
 * audio before playing again. `clear` empties it at once. Reports the samples played so the page
 * can echo marks when the audio before them has been heard.
 */
class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.capacity = 16000 * 30;
    this.ring = new Float32Array(this.capacity);
    this.read = 0;
    this.write = 0;
    this.played = 0;
    this.playing = false;
    this.startSamples = 16 * 60;
    this.sinceReport = 0;
    this.port.onmessage = (event) => {
      const message = event.data;
      if (message.type === 'audio') this.push(message.samples);
      else if (message.type === 'clear') {
        // Discarded audio counts as consumed, so the page's sample positions stay in step.
        this.played += this.buffered;
        this.read = this.write;
        this.playing = false;
        this.report();
      }
    };
  }

  get buffered() {
    return this.write - this.read;
  }

  push(samples) {
    for (let i = 0; i < samples.length; i++) {
      if (this.buffered >= this.capacity) this.read++;
      this.ring[this.write % this.capacity] = samples[i] / 0x8000;
      this.write++;
    }
  }

  report() {
    this.sinceReport = 0;
    this.port.postMessage({ type: 'played', played: this.played, buffered: this.buffered });
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    if (!this.playing && this.buffered >= this.startSamples) this.playing = true;
    for (let i = 0; i < out.length; i++) {
      if (this.playing && this.buffered > 0) {
        out[i] = this.ring[this.read % this.capacity];
        this.read++;
        this.played++;
      } else {
        out[i] = 0;
        if (this.playing) {
          this.playing = false;
          this.report();
        }
      }
    }
    this.sinceReport += out.length;
    if (this.sinceReport >= FRAME) this.report();
    return true;
  }
}

registerProcessor('patter-capture', CaptureProcessor);
registerProcessor('patter-playback', PlaybackProcessor);
