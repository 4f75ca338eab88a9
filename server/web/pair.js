// The Pair tab (WEB-API.md "Pairing"): the pending attempt as it arrives — polled every
// second while the tab is shown, and pushed by `event: pairing` on /api/events — with a local
// countdown between updates, and the PIN form whose outcome is shown at once.
import { api } from './http.js';
import { $, banner, setMessage } from './ui.js';

let deadlineMs = 0;      // when the pending attempt expires (local clock)
let lockedUntilMs = 0;   // pairing locked after too many wrong PINs
let pollTimer = null;
let tickTimer = null;
let active = false;
let pollFailed = false;

function render() {
  const now = Date.now();
  const pending = deadlineMs > now;
  $('pair-pending').hidden = !pending;
  $('pair-waiting').hidden = pending;
  if (pending) $('pair-seconds-left').textContent = String(Math.ceil((deadlineMs - now) / 1000));
  const locked = lockedUntilMs > now;
  setMessage($('pair-locked'),
    locked ? `Pairing is locked after wrong PINs: try again in ${Math.ceil((lockedUntilMs - now) / 1000)} s.` : '',
    'warn');
}

// Applies a /api/pairing object (from GET or from the event stream).
export function applyPairing(state) {
  if (!state || typeof state !== 'object') return;
  const p = state.pending;
  if (p && typeof p === 'object') {
    $('pair-address').textContent = p.client_address || '(unknown)';
    $('pair-unique-id').textContent = p.unique_id || '';
    deadlineMs = Date.now() + Math.max(0, Number(p.seconds_left) || 0) * 1000;
  } else {
    deadlineMs = 0;
  }
  lockedUntilMs = state.locked_s > 0 ? Date.now() + state.locked_s * 1000 : 0;
  render();
}

async function poll() {
  try {
    applyPairing(await api('GET', '/api/pairing'));
    if (pollFailed) banner('');
    pollFailed = false;
  } catch (err) {
    pollFailed = true;
    banner(`Cannot read the pairing state: ${err.message}`);
  }
}

async function submit(event) {
  event.preventDefault();
  const pin = $('pair-pin').value.trim();
  const result = $('pair-result');
  if (!/^[0-9]{4}$/.test(pin)) {
    setMessage(result, 'The PIN is the 4 digits the device shows.', 'error');
    $('pair-pin').focus();
    return;
  }
  const name = $('pair-name').value.trim();
  const button = $('pair-submit');
  button.disabled = true;
  button.textContent = 'Pairing…';
  setMessage(result, '');
  try {
    const body = name ? { pin, name } : { pin };
    const answer = await api('POST', '/api/pairing/pin', body);
    const ok = Boolean(answer && answer.ok);
    setMessage(result, (answer && answer.message) || (ok ? 'Paired.' : 'Pairing failed.'), ok ? 'ok' : 'error');
    if (ok) {
      $('pair-pin').value = '';
      $('pair-name').value = '';
    }
  } catch (err) {
    setMessage(result, err.message, 'error');
  } finally {
    button.disabled = false;
    button.textContent = 'Pair';
    poll();
  }
}

export function showPair(visible) {
  active = visible;
  clearInterval(pollTimer);
  clearInterval(tickTimer);
  if (!active) return;
  poll();
  pollTimer = setInterval(poll, 1000);
  tickTimer = setInterval(render, 250);
}

export function initPair() {
  $('pair-form').addEventListener('submit', submit);
  // Digits only, even where inputmode is ignored (desktop keyboards, pasted text).
  $('pair-pin').addEventListener('input', () => {
    const pin = $('pair-pin');
    const digits = pin.value.replace(/[^0-9]/g, '').slice(0, 4);
    if (digits !== pin.value) pin.value = digits;
  });
}
