// The Session tab (WEB-API.md "Session (live)"): figures of the current stream from
// `event: stream` on /api/events (every 500 ms while a stream runs, once when it stops) and a
// line graph of the host latency median over the last 60 s, drawn on a <canvas> sized for
// the device pixel ratio so it stays sharp on phones.
import { api } from './http.js';
import { $, banner, duration } from './ui.js';

const kWindowMs = 60_000;
const history = [];   // { t: ms (local clock), p50: ms }
let last = null;      // the last stream object
let durationTimer = null;

function text(id, value) {
  $(id).textContent = value;
}

function number(value, digits = 0) {
  return Number.isFinite(value) ? value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
}

function renderFigures(s) {
  const name = s.client || '(unnamed)';
  // Default names already carry the address ("Moonlight at 10.0.0.5"): say it once.
  text('stat-client', s.client_address && !name.includes(s.client_address) ? `${name} (${s.client_address})` : name);
  text('stat-app', s.app || '–');
  text('stat-resolution', s.width && s.height ? `${s.width} × ${s.height}` : '–');
  text('stat-fps', Number.isFinite(s.fps) ? `${s.fps} fps` : '–');
  text('stat-codec', s.codec || '–');
  text('stat-bitrate', Number.isFinite(s.bitrate_kbps) ? `${number(s.bitrate_kbps / 1000, 1)} Mbit/s` : '–');
  text('stat-frames', number(s.frames_sent));
  const lost = Number(s.packets_lost) || 0;
  const sent = Number(s.packets_sent) || 0;
  const percent = sent > 0 ? (100 * lost) / (sent + lost) : 0;
  text('stat-loss', `${number(lost)} (${number(percent, 2)} %)`);
  text('stat-fec', number(s.fec_recovered));
  const lat = s.host_latency_ms || {};
  text('stat-latency', Number.isFinite(lat.p50) ? `${number(lat.p50, 1)} ms median, ${number(lat.p99, 1)} ms p99` : '–');
  renderDuration();
}

function renderDuration() {
  if (last && last.active && last.started_unix_s) text('stat-duration', duration(Date.now() / 1000 - last.started_unix_s));
}

// Applies a /api/stream object (GET or event).
export function applyStream(s) {
  if (!s || typeof s !== 'object') return;
  last = s;
  $('session-live').hidden = !s.active;
  $('session-idle').hidden = Boolean(s.active);
  if (s.active) {
    renderFigures(s);
    const p50 = s.host_latency_ms && Number(s.host_latency_ms.p50);
    if (Number.isFinite(p50)) history.push({ t: Date.now(), p50 });
  }
  const cutoff = Date.now() - kWindowMs;
  while (history.length && history[0].t < cutoff) history.shift();
  draw();
}

function cssColor(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function draw() {
  const canvas = $('latency-graph');
  const widthCss = canvas.clientWidth;
  const heightCss = canvas.clientHeight;
  if (!widthCss || !heightCss) return;   // tab hidden
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(widthCss * ratio);
  const h = Math.round(heightCss * ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, widthCss, heightCss);
  const fg = cssColor('--muted', '#667');
  const line = cssColor('--accent', '#1f6feb');
  const grid = cssColor('--border', '#ccd');
  const left = 40, right = 8, top = 10, bottom = 22;
  const plotW = widthCss - left - right;
  const plotH = heightCss - top - bottom;
  const maxValue = Math.max(5, ...history.map((p) => p.p50));
  const scaleMax = niceCeil(maxValue * 1.15);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = fg;
  ctx.strokeStyle = grid;
  ctx.lineWidth = 1;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (let i = 0; i <= 4; i += 1) {
    const value = (scaleMax * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, Math.round(y) + 0.5);
    ctx.lineTo(left + plotW, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(value.toFixed(value < 10 ? 1 : 0), left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const s of [60, 45, 30, 15, 0]) {
    ctx.textAlign = s === 0 ? 'right' : 'center';
    ctx.fillText(s === 0 ? 'now' : `-${s} s`, left + plotW - (plotW * s) / 60, top + plotH + 6);
  }
  ctx.textAlign = 'center';
  if (history.length === 0) {
    ctx.textBaseline = 'middle';
    ctx.fillText('no data yet', left + plotW / 2, top + plotH / 2);
    return;
  }
  const now = Date.now();
  ctx.strokeStyle = line;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  history.forEach((p, i) => {
    const x = left + plotW - (plotW * (now - p.t)) / kWindowMs;
    const y = top + plotH - (plotH * Math.min(p.p50, scaleMax)) / scaleMax;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  canvas.dataset.points = String(history.length);
}

function niceCeil(value) {
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

export function setEventsState(textValue) {
  text('events-state', textValue);
}

export async function load() {
  try {
    applyStream(await api('GET', '/api/stream'));
  } catch (err) {
    banner(`Cannot read the stream state: ${err.message}`);
  }
}

export function showSession(visible) {
  clearInterval(durationTimer);
  if (!visible) return;
  durationTimer = setInterval(() => {
    renderDuration();
    draw();   // the graph scrolls even between events
  }, 1000);
  draw();
}

export function initSession() {
  window.addEventListener('resize', draw);
}
