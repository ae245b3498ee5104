// The Patter dev phone: calls the running agent from the browser over the same media-stream
// protocol a carrier speaks (PCM16 16 kHz in 20 ms frames, marks, clear, DTMF).

const $ = (id) => document.getElementById(id);
const RATE = 16000;

/** Counters the page shows (and tests read through `window.patterDevPhone`). */
const stats = {
  mode: undefined,
  state: 'idle',
  sentFrames: 0,
  receivedBytes: 0,
  bufferedMs: 0,
  clears: 0,
  /** ms from the last `clear` received to the playback buffer being empty. */
  lastClearToSilenceMs: undefined,
  /** The same from the server's send time (its `sentAt`; meaningful when page and server share a clock). */
  lastServerClearToSilenceMs: undefined,
  ended: undefined,
  /** Why the call failed (`{ provider?, message }`), when the server said. */
  failure: undefined,
  transcript: [],
  toolCalls: [],
  metrics: [],
};
window.patterDevPhone = stats;

let socket;
let streamId;
let audio;
/** Samples handed to the playback worklet so far, and marks placed at those positions. */
let enqueued = 0;
let marks = [];
let clearedAt;
let clearSentAt;

function setStatus(text) {
  stats.state = text;
  $('status').textContent = text;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function addLine(kind, text, { interim = false } = {}) {
  const list = $('transcript');
  const last = list.lastElementChild;
  if (last && last.dataset.interim === kind) last.remove();
  const item = document.createElement('li');
  item.className = kind + (interim ? ' interim' : '');
  if (interim) item.dataset.interim = kind;
  item.textContent = text;
  list.append(item);
  list.scrollTop = list.scrollHeight;
  return item;
}

function toBase64(int16) {
  const bytes = new Uint8Array(int16.buffer, int16.byteOffset, int16.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Int16Array(bytes.buffer, 0, bytes.length >> 1);
}

async function startAudio() {
  const context = new AudioContext({ sampleRate: RATE });
  await context.audioWorklet.addModule('/devphone/worklets.js');
  const microphone = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const capture = new AudioWorkletNode(context, 'patter-capture');
  capture.port.onmessage = (event) => {
    send({ event: 'media', streamId, media: { payload: toBase64(event.data) } });
    stats.sentFrames++;
    $('sent-frames').textContent = `${stats.sentFrames} frames`;
  };
  const source = context.createMediaStreamSource(microphone);
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(capture).connect(mute).connect(context.destination);
  const playback = new AudioWorkletNode(context, 'patter-playback', { outputChannelCount: [1] });
  playback.port.onmessage = (event) => onPlayed(event.data);
  playback.connect(context.destination);
  await context.resume();
  audio = { context, microphone, playback };
}

function onPlayed({ played, buffered }) {
  stats.bufferedMs = Math.round((buffered / RATE) * 1000);
  $('buffered-ms').textContent = `${stats.bufferedMs} ms`;
  if (buffered === 0 && clearedAt !== undefined) {
    const now = performance.now();
    stats.lastClearToSilenceMs = Math.round(now - clearedAt);
    // Wall clock against wall clock: `performance.timeOrigin + performance.now()` drifts from
    // `Date.now()` over a page's life (tens of ms seen in CI), so it cannot be compared with `sentAt`.
    if (clearSentAt !== undefined) stats.lastServerClearToSilenceMs = Date.now() - clearSentAt;
    clearedAt = undefined;
    clearSentAt = undefined;
  }
  const due = marks.filter((mark) => mark.at <= played);
  marks = marks.filter((mark) => mark.at > played);
  for (const mark of due) send({ event: 'mark', streamId, mark: { name: mark.name } });
}

function onMessage(message) {
  switch (message.event) {
    case 'media': {
      const samples = fromBase64(message.media.payload);
      stats.receivedBytes += samples.byteLength;
      $('received-bytes').textContent = `${stats.receivedBytes} bytes`;
      enqueued += samples.length;
      audio?.playback.port.postMessage({ type: 'audio', samples }, [samples.buffer]);
      return;
    }
    case 'mark':
      if (!audio) return send({ event: 'mark', streamId, mark: { name: message.mark.name } });
      marks.push({ name: message.mark.name, at: enqueued });
      return;
    case 'clear':
      stats.clears++;
      clearedAt = performance.now();
      clearSentAt = typeof message.sentAt === 'number' ? message.sentAt : undefined;
      audio?.playback.port.postMessage({ type: 'clear' });
      for (const mark of marks) send({ event: 'mark', streamId, mark: { name: mark.name } });
      marks = [];
      return;
    case 'transcript':
      // Live text (isFinal: false) is replaced by the next line of the same speaker; a committed
      // turn (isFinal: true) comes once.
      if (message.isFinal) stats.transcript.push({ role: message.role, text: message.text });
      addLine(message.role, message.text, { interim: !message.isFinal });
      return;
    case 'reply':
      return;
    case 'toolCall': {
      stats.toolCalls.push(message);
      const outcome = message.error ? `error: ${message.error}` : JSON.stringify(message.result);
      addLine('tool', `${message.name}(${JSON.stringify(message.arguments)}) → ${outcome}`);
      return;
    }
    case 'metrics': {
      stats.metrics.push(message.metrics);
      const total = message.metrics.totalMs;
      $('latency').textContent = total === undefined ? '–' : `${Math.round(total)} ms to first audio`;
      const row = document.createElement('li');
      row.textContent = describeTurn(message.metrics);
      $('turns').append(row);
      return;
    }
    case 'transfer':
      addLine('system', `The agent transferred the call to ${message.to}`);
      return;
    case 'end':
      stats.ended = message.reason;
      if (message.error) {
        // The call failed: say which provider and what it said (the server removed any secrets).
        stats.failure = message.error;
        const who = message.error.provider ? ` (${message.error.provider})` : '';
        addLine('system', `Call failed${who}: ${message.error.message}`).classList.add('failure');
      } else {
        addLine('system', `Call ended (${message.reason})`);
      }
      return;
  }
}

/**
 * One turn's latency as the page lists it: `turn 1: 850 ms, heard 910 ms (STT 120 · LLM 300 · TTS 200)`
 * (first audio sent, then heard: played by this page, from its mark acknowledgement).
 */
function describeTurn(metrics) {
  const parts = [
    ['STT', metrics.sttMs],
    ['LLM', metrics.llmFirstTokenMs],
    ['TTS', metrics.ttsFirstByteMs],
  ].filter(([, ms]) => typeof ms === 'number').map(([name, ms]) => `${name} ${Math.round(ms)}`);
  const total = typeof metrics.totalMs === 'number' ? `${Math.round(metrics.totalMs)} ms` : '–';
  const heard = typeof metrics.heardMs === 'number' ? `, heard ${Math.round(metrics.heardMs)} ms` : '';
  return `turn ${metrics.turn}: ${total}${heard}${parts.length ? ` (${parts.join(' · ')})` : ''}${metrics.interrupted ? ', interrupted' : ''}`;
}

async function call() {
  $('call').disabled = true;
  stats.ended = undefined;
  stats.failure = undefined;
  setStatus('Connecting…');
  const response = await fetch('/devphone/call', { method: 'POST' });
  if (!response.ok) {
    setStatus(`The server refused the call (${response.status})`);
    $('call').disabled = false;
    return;
  }
  const { mode, callId, streamPath } = await response.json();
  stats.mode = mode;
  $('turns').replaceChildren();
  $('mode-label').textContent = mode === 'text' ? 'text mode: this agent has no voice providers' : 'voice';
  $('text-form').hidden = mode !== 'text';
  streamId = `devphone-stream-${Math.random().toString(36).slice(2, 10)}`;
  if (mode === 'voice') await startAudio();
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${streamPath}`);
  socket.onopen = () => {
    send({ event: 'connected' });
    send({ event: 'start', start: { streamId, callId } });
    setStatus(mode === 'text' ? 'In call (text)' : 'In call');
    $('hangup').disabled = false;
  };
  socket.onmessage = (event) => onMessage(JSON.parse(event.data));
  socket.onclose = () => finish();
}

function finish() {
  if (stats.ended === undefined) stats.ended = 'closed';
  setStatus(stats.failure ? `Call failed${stats.failure.provider ? `: ${stats.failure.provider}` : ''}` : 'Call ended');
  audio?.microphone.getTracks().forEach((track) => track.stop());
  audio?.context.close();
  audio = undefined;
  socket = undefined;
  marks = [];
  $('hangup').disabled = true;
  $('call').disabled = false;
}

function hangUp() {
  send({ event: 'stop', streamId });
  socket?.close(1000, 'hung up');
}

function buildKeypad() {
  for (const digit of '123456789*0#') {
    const key = document.createElement('button');
    key.textContent = digit;
    key.type = 'button';
    key.addEventListener('click', () => send({ event: 'dtmf', streamId, dtmf: { digit } }));
    $('keypad').append(key);
  }
}

$('call').addEventListener('click', () => call().catch((err) => setStatus(`Call failed: ${err.message}`)));
$('hangup').addEventListener('click', hangUp);
$('text-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('text-input').value.trim();
  if (text === '') return;
  $('text-input').value = '';
  send({ event: 'text', text });
});
buildKeypad();
