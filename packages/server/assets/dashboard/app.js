// The Patter dashboard: plain DOM, no framework. Every value from a call goes in as text
// (textContent / attributes), never as HTML.
const view = document.getElementById('view');
const statusLine = document.getElementById('status');

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'style') Object.assign(el.style, value); // CSSOM: allowed by the page's CSP, unlike style attributes
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) el.append(child instanceof Node ? child : String(child));
  return el;
}

async function api(path) {
  const response = await fetch(`/dashboard/api/${path}`, { headers: { accept: 'application/json' } });
  if (response.status === 401) { location.href = '/dashboard/login'; throw new Error('login'); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

/** Replaces the view's content; null/undefined entries (absent sections) are skipped. */
const show = (...nodes) => view.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined));
const time = (ms) => new Date(ms).toLocaleString();
const secs = (ms) => (ms === undefined || ms === null ? '' : `${(ms / 1000).toFixed(1)} s`);
const usd = (n) => `$${Number(n || 0).toFixed(4)}`;
const sum = (obj) => Object.values(obj || {}).reduce((a, b) => a + b, 0);

function timelineList(items) {
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, items.map((item) => {
    if (item.kind === 'tool') {
      const outcome = item.error ? ` → error: ${item.error}` : item.result !== undefined ? ` → ${JSON.stringify(item.result)}` : '';
      return h('li', { class: 'tool', 'data-kind': 'tool' }, `🔧 ${item.name}(${JSON.stringify(item.arguments)})${outcome}`);
    }
    return h('li', { class: `${item.kind}${item.interrupted ? ' interrupted' : ''}`, 'data-kind': item.kind },
      h('span', { class: 'muted' }, `${new Date(item.at).toLocaleTimeString()} ${item.kind === 'user' ? 'caller' : 'agent'}: `), item.text);
  }));
}

// ---- live -------------------------------------------------------------------------------
let liveSource;
const liveCalls = new Map();

function renderLive() {
  const cards = [...liveCalls.values()].map((call) => h('div', { class: 'card live-call', 'data-call-id': call.callId },
    h('div', { class: 'row' },
      h('strong', {}, call.from || call.callId), h('span', { class: 'muted' }, `${call.carrier} · ${call.direction}${call.agent ? ` · ${call.agent}` : ''}`),
      h('span', { class: 'speaking', 'data-testid': 'speaking' }, call.speaking ? `${call.speaking === 'user' ? 'caller' : 'agent'} speaking` : ''),
      h('span', { 'data-testid': 'latency' }, call.latencyMs !== undefined && call.latencyMs !== null ? `latency ${Math.round(call.latencyMs)} ms` : ''),
      call.partial ? h('em', { class: 'muted', 'data-testid': 'partial' }, `… ${call.partial}`) : null),
    timelineList(call.timeline)));
  show(h('h2', {}, 'Live calls'), cards.length ? h('div', {}, cards) : h('p', { class: 'muted', 'data-testid': 'no-live' }, 'No call in progress.'));
}

function showLive() {
  renderLive();
  connectLive();
}

function connectLive() {
  if (liveSource) return;
  liveSource = new EventSource('/dashboard/api/live');
  liveSource.addEventListener('snapshot', (event) => {
    liveCalls.clear();
    for (const call of JSON.parse(event.data)) liveCalls.set(call.callRef, call);
    if (route().name === 'live') renderLive();
  });
  liveSource.addEventListener('update', (event) => {
    const { type, call } = JSON.parse(event.data);
    if (type === 'end') liveCalls.delete(call.callRef);
    else liveCalls.set(call.callRef, call);
    if (route().name === 'live') renderLive();
  });
  liveSource.onerror = () => { statusLine.textContent = 'live updates reconnecting…'; };
  liveSource.onopen = () => { statusLine.textContent = ''; };
}

// ---- history ----------------------------------------------------------------------------
async function showHistory(params) {
  const form = h('form', { class: 'filters', 'data-testid': 'filters' },
    h('input', { name: 'q', placeholder: 'search: words, id, number', value: params.get('q') || '' }),
    h('input', { name: 'number', placeholder: '+15550001234', value: params.get('number') || '' }),
    h('input', { name: 'reason', placeholder: 'end reason', value: params.get('reason') || '' }),
    h('input', { name: 'agent', placeholder: 'agent', value: params.get('agent') || '' }),
    h('input', { name: 'from', type: 'date', value: params.get('from') || '' }),
    h('input', { name: 'to', type: 'date', value: params.get('to') || '' }),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) next.set(key, String(value));
    location.hash = `#/history?${next}`;
  });
  const query = new URLSearchParams();
  for (const key of ['q', 'number', 'reason', 'agent', 'cursor']) if (params.get(key)) query.set(key, params.get(key));
  if (params.get('from')) query.set('since', String(Date.parse(params.get('from'))));
  if (params.get('to')) query.set('until', String(Date.parse(params.get('to')) + 86_400_000));
  const exportLink = (format) => h('a', { href: `/dashboard/api/export?format=${format}&${query}` }, format.toUpperCase());
  show(h('h2', {}, 'History'), form, h('p', { class: 'muted' }, 'Loading…'));
  const page = await api(`calls?${query}`);
  const rows = page.calls.map((call) => h('tr', { 'data-call-id': call.callId, onclick: () => (location.hash = `#/call/${encodeURIComponent(call.callId)}`) },
    h('td', {}, time(call.startedAt)), h('td', {}, call.from || ''), h('td', {}, call.to || ''), h('td', {}, call.agent || ''),
    h('td', {}, secs(call.durationMs)), h('td', {}, call.endReason || ''), h('td', {}, call.turnCount),
    h('td', {}, call.latencyP50Ms !== undefined ? `${call.latencyP50Ms} ms` : ''), h('td', {}, usd(call.costUsd))));
  const next = page.nextCursor ? h('a', { href: `#/history?${new URLSearchParams({ ...Object.fromEntries(params), cursor: page.nextCursor })}`, 'data-testid': 'next-page' }, 'Older calls →') : null;
  show(h('h2', {}, 'History'), form,
    h('table', { 'data-testid': 'history' }, h('thead', {}, h('tr', {}, ['Started', 'From', 'To', 'Agent', 'Duration', 'Ended', 'Turns', 'Latency p50', 'Cost'].map((t) => h('th', {}, t)))), h('tbody', {}, rows)),
    rows.length ? null : h('p', { class: 'muted', 'data-testid': 'no-calls' }, 'No call matches.'),
    h('p', {}, next, ' ', h('span', { class: 'muted' }, 'Export: '), exportLink('csv'), ' ', exportLink('json')));
}

// ---- one call ---------------------------------------------------------------------------
function stageBars(turn) {
  const scale = 0.2; // px per ms
  const parts = [['stt', turn.sttMs], ['llm', turn.llmFirstTokenMs], ['tts', turn.ttsFirstByteMs]];
  const known = parts.reduce((a, [, ms]) => a + (ms || 0), 0);
  const total = turn.heardMs ?? turn.totalMs ?? known;
  return h('span', {}, parts.filter(([, ms]) => ms).map(([name, ms]) => h('span', { class: `bar ${name}`, style: { width: `${Math.max(1, ms * scale)}px` }, title: `${name} ${Math.round(ms)} ms` })),
    total > known ? h('span', { class: 'bar rest', style: { width: `${(total - known) * scale}px` }, title: `rest ${Math.round(total - known)} ms` }) : null);
}

async function showCall(callId) {
  show(h('p', { class: 'muted' }, 'Loading…'));
  const call = await api(`calls/${encodeURIComponent(callId)}`);
  const ms = (v) => (v === undefined ? '' : `${Math.round(v)}`);
  const turns = h('table', { 'data-testid': 'turns' },
    h('thead', {}, h('tr', {}, ['Turn', 'STT', 'LLM 1st token', 'TTS 1st byte', 'First audio', 'Heard', '', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, call.turns.map((t) => h('tr', {}, h('td', {}, t.turn), h('td', {}, ms(t.sttMs)), h('td', {}, ms(t.llmFirstTokenMs)), h('td', {}, ms(t.ttsFirstByteMs)),
      h('td', {}, ms(t.totalMs)), h('td', {}, ms(t.heardMs)), h('td', {}, stageBars(t)), h('td', {}, t.interrupted ? 'barge-in' : '')))));
  const cost = h('table', { 'data-testid': 'cost' }, h('tbody', {},
    Object.entries(call.cost).map(([provider, value]) => h('tr', {}, h('td', {}, provider), h('td', {}, usd(value)))),
    h('tr', {}, h('th', {}, 'total'), h('th', { 'data-testid': 'cost-total' }, usd(sum(call.cost))))));
  show(
    h('p', {}, h('a', { href: '#/history' }, '← History')),
    h('h2', {}, `Call ${call.callId}`),
    h('div', { class: 'card row' },
      h('span', {}, `${call.direction} · ${call.carrier}`), h('span', {}, `${call.from || '?'} → ${call.to || '?'}`),
      call.agent ? h('span', {}, `agent ${call.agent}`) : null, h('span', {}, time(call.startedAt)), h('span', {}, secs(call.durationMs)),
      h('span', { 'data-testid': 'end-reason' }, `ended: ${call.endReason || '?'}`)),
    call.recordings.length ? h('div', { class: 'card' }, call.recordings.map((r) => h('audio', { controls: true, preload: 'none', src: r.url }))) : null,
    call.analysis ? h('div', { class: 'card', 'data-testid': 'analysis' }, h('h3', {}, 'Analysis'), h('pre', {}, JSON.stringify(call.analysis.result ?? call.analysis.error, null, 2))) : null,
    call.errors.length ? h('div', { class: 'card error' }, call.errors.map((e) => h('div', {}, `${time(e.at)} ${e.message}`))) : null,
    h('h3', {}, 'Transcript'), timelineList(call.timeline),
    h('h3', {}, 'Latency per turn (ms)'), turns,
    h('h3', {}, 'Cost by provider (estimated)'), cost);
}

// ---- overview ---------------------------------------------------------------------------
function barChart(title, days, series) {
  const width = 360, height = 160, pad = 24;
  const max = Math.max(0, ...days.flatMap((d) => series.map((s) => d[s.key] || 0))) || 1;
  const slot = (width - pad) / Math.max(1, days.length);
  const bars = days.flatMap((d, i) => series.map((s, j) => {
    const v = d[s.key] || 0, bh = (v / max) * (height - pad * 2);
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    for (const [k, val] of Object.entries({ x: pad + i * slot + j * (slot / series.length), y: height - pad - bh, width: Math.max(1, slot / series.length - 1), height: bh, fill: s.color })) rect.setAttribute(k, String(val));
    const tip = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    tip.textContent = `${d.day} ${s.label}: ${s.format(v)}`;
    rect.append(tip);
    return rect;
  }));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  for (const [k, v] of Object.entries({ class: 'chart', width, height, viewBox: `0 0 ${width} ${height}` })) svg.setAttribute(k, String(v));
  const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  label.setAttribute('x', '4'); label.setAttribute('y', '14'); label.setAttribute('font-size', '12');
  label.textContent = `${title} (max ${series[0].format(max)})`;
  svg.append(label, ...bars);
  return svg;
}

async function showOverview() {
  show(h('p', { class: 'muted' }, 'Loading…'));
  const data = await api('overview?days=30');
  // Every day of the range, the ones without calls as zero, so the bars keep their dates' places.
  const byDay = new Map(data.days.map((d) => [d.day, d]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const days = Array.from({ length: 30 }, (_, i) => new Date(today - (29 - i) * 86_400_000).toISOString().slice(0, 10)).map((day) => byDay.get(day) || { day, calls: 0, costUsd: 0 });
  const n = (v) => String(Math.round(v));
  show(h('h2', {}, 'Last 30 days'),
    h('div', { class: 'charts', 'data-testid': 'charts' },
      barChart('Calls per day', days, [{ key: 'calls', label: 'calls', color: '#2f7dd1', format: n }]),
      barChart('Latency p50 / p95 (ms)', days, [{ key: 'latencyP50Ms', label: 'p50', color: '#2ca05a', format: n }, { key: 'latencyP95Ms', label: 'p95', color: '#b07a16', format: n }]),
      barChart('Cost per day', days, [{ key: 'costUsd', label: 'cost', color: '#8e44ad', format: usd }])),
    h('h3', {}, 'How calls ended'),
    h('table', { 'data-testid': 'end-reasons' }, h('tbody', {}, data.endReasons.map((r) => h('tr', { onclick: () => (location.hash = `#/history?reason=${encodeURIComponent(r.reason)}`) }, h('td', {}, r.reason), h('td', {}, r.calls))))));
}

const STATES = ['queued', 'dialing', 'in_call', 'done', 'failed'];

async function showCampaigns() {
  show(h('p', { class: 'muted' }, 'Loading…'));
  const { campaigns } = await api('campaigns');
  show(h('h2', {}, 'Campaigns'),
    campaigns.length === 0 ? h('p', { class: 'muted' }, 'No campaigns yet: phone.campaign() or patter campaign --csv.') : h('table', { 'data-testid': 'campaigns' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'State'), h('th', {}, 'Started'), STATES.map((state) => h('th', {}, state.replace('_', ' '))))),
      h('tbody', {}, campaigns.map((c) => h('tr', { 'data-campaign-id': c.campaignId, onclick: () => (location.hash = `#/campaign/${encodeURIComponent(c.campaignId)}`) },
        h('td', {}, c.name), h('td', {}, c.state), h('td', {}, time(Date.parse(c.createdAt))), STATES.map((state) => h('td', {}, c.counts[state])))))));
}

async function showCampaign(campaignId) {
  show(h('p', { class: 'muted' }, 'Loading…'));
  const c = await api(`campaigns/${encodeURIComponent(campaignId)}`);
  show(h('p', {}, h('a', { href: '#/campaigns' }, '← Campaigns')),
    h('h2', {}, `Campaign ${c.campaignId} (${c.state})`),
    h('p', { 'data-testid': 'campaign-counts' }, STATES.map((state) => `${state.replace('_', ' ')} ${c.counts[state]}`).join(' · ')),
    h('table', { 'data-testid': 'campaign-contacts' },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'To'), h('th', {}, 'State'), h('th', {}, 'Attempts'), h('th', {}, 'Outcome'))),
      h('tbody', {}, c.contacts.map((contact) => h('tr', {}, h('td', {}, contact.index + 1), h('td', {}, contact.to), h('td', {}, contact.state.replace('_', ' ')), h('td', {}, contact.attempts), h('td', {}, contact.outcome ?? ''))))));
}

// ---- routing ----------------------------------------------------------------------------
function route() {
  const hash = location.hash.slice(1) || '/live';
  const [path, search = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  return { name: parts[0] || 'live', arg: parts[1] ? decodeURIComponent(parts[1]) : undefined, params: new URLSearchParams(search) };
}

async function render() {
  const { name, arg, params } = route();
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.dataset.nav === name);
  try {
    if (name === 'history') await showHistory(params);
    else if (name === 'call' && arg) await showCall(arg);
    else if (name === 'overview') await showOverview();
    else if (name === 'campaigns') await showCampaigns();
    else if (name === 'campaign' && arg) await showCampaign(arg);
    else showLive();
  } catch (err) {
    if (err.message !== 'login') show(h('p', { class: 'error', 'data-testid': 'error' }, `Could not load: ${err.message}`));
  }
}

window.addEventListener('hashchange', render);
render();
connectLive();
