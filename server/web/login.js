// The sign-in page (public, needs no session). Self-contained on purpose: every other module
// is served only to a signed-in browser (WEB-API.md "Static files"), so login.js imports none.
// Contract: GET /api/auth, POST /api/login (WEB-API.md "Auth").

const $ = (id) => document.getElementById(id);

function show(id, visible) {
  $(id).hidden = !visible;
}

function showError(text) {
  const el = $('login-error');
  el.textContent = text;
  el.hidden = !text;
}

async function readError(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // not JSON: fall through to the status line
  }
  return `The server answered ${response.status} ${response.statusText}`.trim();
}

// A 429 carries Retry-After (seconds): the button stays disabled and counts down, so a
// person sees why nothing happens instead of retrying into a longer back-off. The server's
// sentence is kept; a "try again in N s" it ends with is replaced by the live countdown.
let retryTimer = null;
function lockFor(seconds, message) {
  const button = $('login-submit');
  const base = message.replace(/[\s;,.:-]*try again in \d+\s*s\.?\s*$/i, '').replace(/[.\s]+$/, '') ||
    'Too many failed sign-ins';
  const sentence = base.charAt(0).toUpperCase() + base.slice(1);
  clearInterval(retryTimer);
  let left = Math.max(1, Math.ceil(seconds));
  const tick = () => {
    if (left <= 0) {
      clearInterval(retryTimer);
      button.disabled = false;
      button.textContent = 'Sign in';
      showError(`${sentence}. You can try again now.`);
      return;
    }
    button.disabled = true;
    button.textContent = `Wait ${left} s`;
    showError(`${sentence}: try again in ${left} s.`);
    left -= 1;
  };
  tick();
  retryTimer = setInterval(tick, 1000);
}

async function checkAuth() {
  show('login-loading', true);
  show('no-password', false);
  show('login-form', false);
  showError('');
  let auth;
  try {
    const response = await fetch('/api/auth', { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw new Error(await readError(response));
    auth = await response.json();
  } catch (err) {
    show('login-loading', false);
    show('login-form', true);
    showError(`Cannot reach the server: ${err.message}`);
    return;
  }
  show('login-loading', false);
  if (auth.logged_in) {
    window.location.replace('/');
    return;
  }
  if (!auth.password_set) {
    show('no-password', true);
    return;
  }
  show('login-form', true);
  $('login-password').focus();
}

async function submit(event) {
  event.preventDefault();
  const button = $('login-submit');
  if (button.disabled) return;
  showError('');
  button.disabled = true;
  let unlock = true;
  try {
    const response = await fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: $('login-user').value.trim(), password: $('login-password').value }),
    });
    if (response.ok) {
      window.location.replace('/');
      unlock = false;
      return;
    }
    const message = await readError(response);
    if (response.status === 429) {
      const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
      lockFor(Number.isFinite(retry) ? retry : 30, message);
      unlock = false;
    } else {
      showError(message);
      $('login-password').select();
    }
  } catch (err) {
    showError(`Cannot reach the server: ${err.message}`);
  } finally {
    if (unlock) button.disabled = false;
  }
}

$('login-form').addEventListener('submit', submit);
$('recheck').addEventListener('click', checkAuth);
checkAuth();
