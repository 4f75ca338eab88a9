// The admin page (served only with a session; WEB-API.md). Loads the CSRF token from
// GET /api/session, switches tabs by URL hash (#pair, #clients, #apps, #session, #status: a
// reload or a bookmark keeps the tab), and keeps one /api/events stream open for the
// pairing and stream updates.
import { api, setCsrfToken } from './http.js';
import { $, banner } from './ui.js';
import { applyPairing, initPair, showPair } from './pair.js';
import { initClients, load as loadClients } from './clients.js';
import { initApps, load as loadApps } from './apps.js';
import { applyStream, initSession, load as loadStream, setEventsState, showSession } from './session.js';
import { initStatus, load as loadStatus } from './status.js';

const kTabs = ['pair', 'clients', 'apps', 'session', 'status'];
const kOnShow = {
  clients: loadClients,
  apps: loadApps,
  session: loadStream,
  status: loadStatus,
};

function currentTab() {
  const name = window.location.hash.replace(/^#/, '');
  return kTabs.includes(name) ? name : 'pair';
}

function showTab() {
  const tab = currentTab();
  for (const name of kTabs) {
    $(`tab-${name}`).hidden = name !== tab;
    const link = $(`tab-link-${name}`);
    if (name === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  banner('');
  showPair(tab === 'pair');
  showSession(tab === 'session');
  if (kOnShow[tab]) kOnShow[tab]();
  document.body.dataset.tab = tab;
}

function parse(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    return null;
  }
}

// EventSource reconnects by itself (the server sends `retry:`); the state line says
// "interrupted" only when no update arrived for 5 s, so a reconnect between two updates does
// not flash a warning.
function openEvents() {
  const source = new EventSource('/api/events');
  let quietTimer = null;
  const alive = () => {
    clearTimeout(quietTimer);
    setEventsState('Live updates connected.');
  };
  source.addEventListener('open', alive);
  source.addEventListener('error', () => {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => setEventsState('Live updates interrupted: reconnecting…'), 5000);
  });
  source.addEventListener('stream', (event) => {
    alive();
    applyStream(parse(event));
  });
  source.addEventListener('pairing', (event) => {
    alive();
    applyPairing(parse(event));
  });
  return source;
}

async function logout() {
  try {
    await api('POST', '/api/logout');
    window.location.replace('/login.html');
  } catch (err) {
    banner(`Sign-out failed: ${err.message}`);
  }
}

async function start() {
  let session;
  try {
    session = await api('GET', '/api/session');
  } catch (err) {
    banner(`Cannot load the session: ${err.message}`);
    return;
  }
  setCsrfToken(session.csrf_token);
  $('user-name').textContent = session.user || '';
  initPair();
  initClients();
  initApps();
  initSession();
  initStatus();
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', showTab);
  openEvents();
  showTab();
  document.body.dataset.ready = 'true';
}

start();
