// A tiny stand-in for `lightwell serve`'s web admin (WEB-API.md), for quick UI iterations
// only: serves server/web/ with the real security headers and fakes the API in memory
// (password "correct horse", PIN 1234 pairs the fake pending device, a fake stream runs).
// The browser tests run against the real server (web.test.mjs), never against this.
//
//   node tests/web/fake-server.mjs [port]     then open http://127.0.0.1:<port>/
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/web');
const port = Number(process.argv[2] || 18080);
const kPassword = 'correct horse';
const kTypes = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const kPublic = new Set(['/login.html', '/login.js', '/style.css', '/favicon.svg']);
const kHeaders = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
const kPlaceholderPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaGj4DwAFhAKAjM1mNQAAAABJRU5ErkJggg==', 'base64');

const sessions = new Map();   // cookie -> csrf
let wrong = 0;
let pending = { client_address: '192.168.1.23', unique_id: '0123456789ABCDEF', until: Date.now() + 120_000 };
const clients = [
  { id: '3f2a9c0d11e2b7aa', name: 'Living room TV', first_seen_unix_s: Date.now() / 1000 - 86400 * 12, last_seen_unix_s: Date.now() / 1000 - 3600 },
];
let nextApp = 1000;
const apps = [
  { id: 881448767, name: 'Desktop', source: 'builtin', editable: false, cmd: '', working_dir: '', prep: [], detached: [], has_image: false },
  { id: 12345, name: 'Steam Big Picture', source: 'config', editable: false, cmd: 'steam -gamepadui', working_dir: '', prep: [], detached: [], has_image: false },
  { id: 999, name: 'Retro games', source: 'web', editable: true, cmd: 'retroarch -f', working_dir: '/home/games', prep: [{ do: 'xrandr --output HDMI-1 --mode 1280x720', undo: 'xrandr --output HDMI-1 --auto' }], detached: [], has_image: false },
];
const images = new Map();
const started = Date.now() / 1000 - 95;
let frames = 0;
const streamState = () => ({
  active: true, client: 'Living room TV', client_address: '192.168.1.23', app: 'Desktop', width: 1920, height: 1080,
  fps: 60, codec: 'HEVC', bitrate_kbps: 20000, frames_sent: (frames += 30), packets_sent: frames * 12,
  packets_lost: Math.floor(frames / 900), fec_recovered: Math.floor(frames / 400),
  host_latency_ms: { p50: 4 + Math.sin(Date.now() / 4000) * 1.5 + Math.random(), p99: 9 + Math.random() * 3 }, started_unix_s: started,
});

function send(res, status, body, headers = {}) {
  const isJson = body !== undefined && !Buffer.isBuffer(body) && typeof body !== 'string';
  res.writeHead(status, { ...kHeaders, ...(isJson ? { 'Content-Type': 'application/json' } : {}), ...headers });
  res.end(isJson ? JSON.stringify(body) : body);
}
const fail = (res, status, error, headers) => send(res, status, { error }, headers);

function cookieOf(req) {
  const m = /(?:^|;\s*)lw_session=([^;]+)/.exec(req.headers.cookie || '');
  return m && sessions.has(m[1]) ? m[1] : null;
}

async function bodyOf(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function pairingState() {
  const left = pending ? Math.ceil((pending.until - Date.now()) / 1000) : 0;
  if (left <= 0) pending = null;
  return { pending: pending && { client_address: pending.client_address, unique_id: pending.unique_id, seconds_left: left }, locked_s: 0 };
}

async function handleApi(req, res, url, session) {
  const p = url.pathname;
  const needCsrf = req.method !== 'GET';
  if (p === '/api/auth') return send(res, 200, { password_set: true, logged_in: Boolean(session), user: session ? 'admin' : null });
  if (p === '/api/login' && req.method === 'POST') {
    if (wrong >= 3) return fail(res, 429, 'too many failed logins', { 'Retry-After': '5' });
    const b = JSON.parse((await bodyOf(req)).toString() || '{}');
    if (b.user !== 'admin' || b.password !== kPassword) {
      wrong += 1;
      setTimeout(() => { wrong = Math.max(0, wrong - 1); }, 5000);
      return fail(res, 401, 'wrong user name or password');
    }
    const id = randomBytes(16).toString('hex');
    const csrf = randomBytes(16).toString('hex');
    sessions.set(id, csrf);
    return send(res, 200, { csrf_token: csrf }, { 'Set-Cookie': `lw_session=${id}; Path=/; HttpOnly; SameSite=Strict` });
  }
  if (!session) return fail(res, 401, 'login required');
  if (needCsrf && req.headers['x-csrf-token'] !== sessions.get(session)) return fail(res, 403, 'missing or wrong CSRF token');
  if (p === '/api/session') return send(res, 200, { user: 'admin', csrf_token: sessions.get(session), expires_unix_s: Date.now() / 1000 + 3600 });
  if (p === '/api/logout') {
    sessions.delete(session);
    return send(res, 204, '', { 'Set-Cookie': 'lw_session=; Path=/; Max-Age=0' });
  }
  if (p === '/api/pairing') return send(res, 200, pairingState());
  if (p === '/api/pairing/pin') {
    const b = JSON.parse((await bodyOf(req)).toString());
    if (!pairingState().pending) return send(res, 200, { ok: false, message: 'no pairing attempt pending' });
    await new Promise((r) => setTimeout(r, 600));
    if (b.pin !== '1234') return send(res, 200, { ok: false, message: 'wrong PIN' });
    const name = b.name || 'New device';
    clients.push({ id: randomBytes(8).toString('hex'), name, first_seen_unix_s: Date.now() / 1000, last_seen_unix_s: Date.now() / 1000 });
    pending = null;
    return send(res, 200, { ok: true, message: `paired ${name} (id ${clients.at(-1).id})` });
  }
  if (p === '/fake/pending') {
    pending = { client_address: '127.0.0.1', unique_id: 'ABCDEF0123456789', until: Date.now() + 120_000 };
    return send(res, 204, '');
  }
  if (p === '/api/clients') return send(res, 200, { clients });
  let m = /^\/api\/clients\/([^/]+)\/(rename|unpair)$/.exec(p);
  if (m) {
    const i = clients.findIndex((c) => c.id === m[1]);
    if (i < 0) return fail(res, 404, 'no such client');
    if (m[2] === 'unpair') { clients.splice(i, 1); return send(res, 204, ''); }
    const b = JSON.parse((await bodyOf(req)).toString());
    if (!b.name) return fail(res, 400, 'name: must not be empty');
    clients[i].name = b.name;
    return send(res, 200, clients[i]);
  }
  if (p === '/api/apps' && req.method === 'GET') return send(res, 200, { apps });
  m = /^\/api\/apps(?:\/(\d+))?(\/delete|\/image)?$/.exec(p);
  if (m) {
    const app = m[1] && apps.find((a) => a.id === Number(m[1]));
    if (m[1] && !app) return fail(res, 404, 'no such app');
    if (m[2] === '/image') {
      if (req.method === 'GET') return send(res, 200, images.get(app.id) || kPlaceholderPng, { 'Content-Type': 'image/png' });
      const data = await bodyOf(req);
      if (data.length > 4 << 20) return fail(res, 413, 'box art larger than 4 MiB');
      if (data.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') return fail(res, 415, 'box art must be a PNG');
      images.set(app.id, data);
      app.has_image = true;
      return send(res, 204, '');
    }
    const b = JSON.parse((await bodyOf(req)).toString() || '{}');
    if (b.password !== kPassword) return fail(res, 403, 'password required');
    if (app && !app.editable) return fail(res, 409, 'this app comes from the configuration file and cannot be changed here');
    if (m[2] === '/delete') { apps.splice(apps.indexOf(app), 1); return send(res, 204, ''); }
    if (!b.name) return fail(res, 400, 'name: must not be empty');
    const fields = { name: b.name, cmd: b.cmd || '', working_dir: b.working_dir || '', prep: b.prep || [], detached: b.detached || [] };
    if (app) { Object.assign(app, fields); return send(res, 200, app); }
    const created = { id: nextApp++, source: 'web', editable: true, has_image: false, ...fields };
    apps.push(created);
    return send(res, 201, created);
  }
  if (p === '/api/stream') return send(res, 200, streamState());
  if (p === '/api/status') {
    return send(res, 200, {
      version: '0.9.0-fake',
      probe: 'capture: test pattern\nencoders: h264 (software)\naudio: test tone\ninput: /dev/uinput missing',
      log: Array.from({ length: 30 }, (_, i) => `2026-11-22 01:02:${String(i).padStart(2, '0')}.000 info  [server] fake log line ${i}`),
    });
  }
  if (p === '/api/events') {
    res.writeHead(200, { ...kHeaders, 'Content-Type': 'text/event-stream' });
    res.write(`event: pairing\ndata: ${JSON.stringify(pairingState())}\n\n`);
    const timer = setInterval(() => res.write(`event: stream\ndata: ${JSON.stringify(streamState())}\n\n`), 500);
    req.on('close', () => clearInterval(timer));
    return undefined;
  }
  return fail(res, 404, 'no such endpoint');
}

createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const session = cookieOf(req);
  try {
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/fake/')) return await handleApi(req, res, url, session);
    const name = url.pathname === '/' ? '/index.html' : url.pathname;
    if (!kPublic.has(name) && !session) return send(res, 303, '', { Location: '/login.html' });
    const data = await readFile(path.join(webDir, path.basename(name)));
    return send(res, 200, data, { 'Content-Type': kTypes[path.extname(name)] || 'application/octet-stream' });
  } catch {
    return fail(res, 404, 'not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`fake Lightwell web admin on http://127.0.0.1:${port}/ (password "${kPassword}")`));
