// Talking to the admin API (WEB-API.md). Every state-changing request carries the session's
// CSRF token in X-CSRF-Token (the browser adds Origin itself); the token comes from
// GET /api/session when the page loads. Non-2xx answers become ApiError carrying the
// server's {"error"} sentence, so callers can show it instead of swallowing it.

export class ApiError extends Error {
  constructor(status, message, retryAfterS) {
    super(message);
    this.status = status;
    this.retryAfterS = retryAfterS;
  }
}

let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// 401 means the session expired or was logged out elsewhere: back to the sign-in page.
function toLogin() {
  window.location.replace('/login.html');
}

async function errorOf(response) {
  let message = '';
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') message = body.error;
  } catch {
    // not JSON
  }
  if (!message) message = `The server answered ${response.status} ${response.statusText}`.trim();
  const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ApiError(response.status, message, Number.isFinite(retry) ? retry : undefined);
}

// method, path, and a JSON body (object) or raw body ({ raw: Blob|ArrayBuffer, type }).
// Resolves to the parsed JSON (or null for 204 / empty bodies).
export async function api(method, path, body, { raw, type, redirectOn401 = true } = {}) {
  const headers = {};
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  if (raw !== undefined) {
    headers['Content-Type'] = type || 'application/octet-stream';
    init.body = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `Cannot reach the server (${err.message}).`);
  }
  if (response.status === 401 && redirectOn401) {
    toLogin();
    throw await errorOf(response);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `The server sent something that is not JSON for ${path}.`);
  }
}
