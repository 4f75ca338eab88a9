// The person-with-only-a-browser flow (issue 8 "Tests (real browser)") against the real
// `lightwell serve`: no password → the page says how to set one; password set with the CLI;
// sign in; a Moonlight-like device (web_test_client) starts pairing and shows up on the Pair
// tab with its address and a countdown; the PIN typed in the page pairs it; it is listed,
// renamed, streams while the Session tab shows live figures and the latency graph; unpaired,
// its HTTPS requests are refused; an app is added, edited (password asked again), given box
// art (checked before upload) and removed; the Status tab shows probe and log; the whole
// thing again on a phone viewport; sign-out. Screenshots of every page go to the artifacts dir.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lightwell } from './harness.mjs';
import { launch, kPhone } from './browser.mjs';
import { eventually, kPng, shot, signIn, watchPages } from './common.mjs';

const kPassword = 'browser-test-password-1';
const kDeviceName = 'Browser Test Device';

describe('web admin page, end to end in chromium', { timeout: 420_000 }, () => {
  const server = new Lightwell();
  let browser;
  let page;
  let problems;
  const clients = [];
  const device = (name, args) => {
    const c = server.client(name, args);
    clients.push(c);
    return c;
  };

  before(async () => {
    await server.start();
    browser = await launch();
    problems = watchPages(browser.context);
    page = await browser.context.newPage();
  });

  after(async () => {
    for (const c of clients) c.kill();
    if (browser) await browser.close();
    if (process.exitCode) console.log(`---- server log ----\n${server.log()}`);
    await server.cleanup();
  });

  it('without a password the page says exactly how to set one', async () => {
    await page.goto(`${server.webUrl}/login.html`);
    await page.waitForSelector('#no-password:not([hidden])');
    assert.equal(await page.textContent('#setup-command'), 'lightwell admin set-password');
    assert.equal(await page.isVisible('#login-form'), false, 'no login form until a password exists');
    await shot(page, 'desktop-login-no-password');
  });

  it('nothing but the sign-in page is reachable without a session', async () => {
    for (const target of ['/', '/index.html', '/#clients']) {
      await page.goto(`${server.webUrl}${target}`);
      assert.match(new URL(page.url()).pathname, /^\/login\.html$/, `${target} must lead to the sign-in page`);
    }
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/clients');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(api.status, 401);
    assert.equal(typeof api.body.error, 'string');
  });

  it('after `lightwell admin set-password` a wrong password is refused with the server\'s sentence', async () => {
    await server.setPassword(kPassword);
    await page.goto(`${server.webUrl}/login.html`);
    await page.waitForSelector('#login-form:not([hidden])');
    await page.fill('#login-password', 'not-the-password');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.match(await page.textContent('#login-error'), /wrong user name or password/);
    await shot(page, 'desktop-login-wrong-password');
  });

  it('signs in with the right password', async () => {
    await page.fill('#login-password', kPassword);
    await shot(page, 'desktop-login');
    await page.click('#login-submit');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.textContent('#user-name'), 'admin');
    assert.equal(await page.getAttribute('body', 'data-tab'), 'pair');
  });

  it('a PIN with no device waiting gets the server\'s answer at once', async () => {
    await page.fill('#pair-pin', '1111');
    await page.click('#pair-submit');
    await page.waitForSelector('#pair-result:not([hidden])');
    assert.match(await page.textContent('#pair-result'), /no pairing attempt pending/);
    assert.ok(await page.$('#pair-result.error'), 'shown as a failure');
  });

  let pairing;
  it('a device that starts pairing appears with its address and a countdown', async () => {
    await shot(page, 'desktop-pair-idle');
    pairing = device('tv', ['pair', '4821', '90']);
    await pairing.waitFor(/^PAIR_STARTED$/);
    await page.waitForSelector('#pair-pending:not([hidden])', { timeout: 10_000 });
    assert.equal(await page.textContent('#pair-address'), '127.0.0.1');
    const first = Number(await page.textContent('#pair-seconds-left'));
    assert.ok(first > 0 && first <= 600, `seconds left: ${first}`);
    const later = await eventually(async () => {
      const now = Number(await page.textContent('#pair-seconds-left'));
      return now < first ? now : 0;
    }, 'the countdown to go down');
    assert.ok(later < first);
    await shot(page, 'desktop-pair-pending');
  });

  it('typing the PIN and a name pairs the device, and says so', async () => {
    await page.fill('#pair-pin', '4821');
    await page.fill('#pair-name', kDeviceName);
    await page.click('#pair-submit');
    await page.waitForSelector('#pair-result.ok:not([hidden])', { timeout: 15_000 });
    assert.match(await page.textContent('#pair-result'), /paired/i);
    assert.equal(await pairing.waitFor(/^(PAIRED|NOT_PAIRED.*)$/), 'PAIRED');
    assert.equal(await pairing.exitCode(), 0);
    await page.waitForSelector('#pair-pending', { state: 'hidden' });
    await shot(page, 'desktop-pair-done');
  });

  it('the paired device is listed with first/last seen in local time, and its HTTPS requests pass', async () => {
    await page.click('#tab-link-clients');
    const row = page.locator('[data-testid="client-row"]', { hasText: kDeviceName });
    await row.waitFor();
    const api = await page.evaluate(async () => (await fetch('/api/clients')).json());
    const entry = api.clients.find((c) => c.name === kDeviceName);
    assert.ok(entry, JSON.stringify(api));
    const expected = await page.evaluate((s) => new Date(s * 1000).toLocaleString(), entry.first_seen_unix_s);
    assert.equal(await row.locator('[data-testid="client-first-seen"]').textContent(), expected);
    const check = device('tv', ['check']);
    assert.equal(await check.waitFor(/^(ACCEPTED|REFUSED.*|ERROR.*)$/), 'ACCEPTED');
    await shot(page, 'desktop-clients');
  });

  it('renames the device', async () => {
    const row = page.locator('[data-testid="client-row"]', { hasText: kDeviceName });
    await row.locator('[data-testid="client-rename"]').click();
    await page.fill('[data-testid="rename-input"]', 'Living Room');
    await page.click('[data-testid="rename-save"]');
    await page.locator('[data-testid="client-name"]', { hasText: 'Living Room' }).waitFor();
    const api = await page.evaluate(async () => (await fetch('/api/clients')).json());
    assert.deepEqual(api.clients.map((c) => c.name), ['Living Room']);
  });

  it('the Session tab shows live figures and the latency graph while the device streams', async () => {
    await page.click('#tab-link-session');
    await page.waitForSelector('#session-idle:not([hidden])');
    await shot(page, 'desktop-session-idle');
    const stream = device('tv', ['stream', '14']);
    await stream.waitFor(/^STREAMING$/, 30_000);
    await page.waitForSelector('#session-live:not([hidden])', { timeout: 15_000 });
    assert.equal(await page.textContent('#stat-resolution'), '1280 × 720');
    assert.equal(await page.textContent('#stat-fps'), '60 fps');
    assert.equal(await page.textContent('#stat-codec'), 'H.264');
    assert.match(await page.textContent('#stat-client'), /Living Room.*127\.0\.0\.1/);
    assert.match(await page.textContent('#stat-latency'), /ms median/);
    const frames = async () => Number((await page.textContent('#stat-frames')).replace(/[^0-9]/g, ''));
    const first = await frames();
    await eventually(async () => (await frames()) > first, 'the frames-sent figure to grow');
    await eventually(async () => Number(await page.getAttribute('#latency-graph', 'data-points')) >= 4,
      'at least 4 latency points on the graph');
    await shot(page, 'desktop-session-live');
    assert.equal(await stream.exitCode(90_000), 0, stream.describe());
    await page.waitForSelector('#session-idle:not([hidden])', { timeout: 15_000 });
  });

  it('unpairing (after a confirmation) removes the device, and its HTTPS requests are refused', async () => {
    await page.click('#tab-link-clients');
    const row = page.locator('[data-testid="client-row"]', { hasText: 'Living Room' });
    await row.locator('[data-testid="client-unpair"]').click();
    await page.waitForSelector('#confirm-dialog[open]');
    await shot(page, 'desktop-clients-unpair-confirm');
    await page.click('#confirm-ok');
    await page.waitForSelector('#clients-empty:not([hidden])');
    assert.equal(await page.locator('[data-testid="client-row"]').count(), 0);
    const check = device('tv', ['check']);
    assert.equal(await check.waitFor(/^(ACCEPTED|REFUSED.*|ERROR.*)$/), 'REFUSED 401');
    assert.equal(await check.exitCode(), 3);
  });

  let appName = 'Browser Test App';
  it('adding an app asks for the password, and a wrong one is refused', async () => {
    await page.click('#tab-link-apps');
    await page.locator('[data-testid="app-row"]', { hasText: 'Desktop' }).waitFor();
    assert.equal(await page.locator('[data-testid="app-row"]', { hasText: 'Desktop' }).locator('[data-testid="app-edit"]').count(), 0,
      'the built-in Desktop is read-only');
    await page.click('#app-add');
    await page.fill('#app-name', appName);
    await page.fill('#app-cmd', 'sleep 3600');
    await page.click('#app-save');
    assert.match(await page.textContent('#app-form-error'), /password/i, 'saving without a password');
    await page.fill('#app-password', 'wrong-password-123');
    await page.click('#app-save');
    await page.waitForSelector('#app-form-error:not([hidden])');
    await eventually(async () => /password required/.test(await page.textContent('#app-form-error')), 'the 403 sentence');
    await shot(page, 'desktop-apps-wrong-password');
    await page.fill('#app-password', kPassword);
    await page.click('#app-save');
    await page.waitForSelector('#app-dialog', { state: 'hidden' });
    await page.locator('[data-testid="app-row"]', { hasText: appName }).waitFor();
  });

  it('box art is checked before sending, previewed, and uploaded with the next save', async () => {
    const uploads = [];
    page.on('request', (r) => { if (r.method() === 'POST' && /\/image$/.test(r.url())) uploads.push(r.url()); });
    const row = page.locator('[data-testid="app-row"]', { hasText: appName });
    await row.locator('[data-testid="app-edit"]').click();
    await page.waitForSelector('#app-dialog[open]');
    assert.equal(await page.inputValue('#app-cmd'), 'sleep 3600');
    await page.setInputFiles('#app-image', { name: 'art.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.waitForSelector('#app-image-error:not([hidden])');
    assert.match(await page.textContent('#app-image-error'), /PNG/);
    await page.setInputFiles('#app-image', { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not a png at all') });
    await eventually(async () => /not a PNG/.test(await page.textContent('#app-image-error')), 'the signature check');
    const big = Buffer.concat([kPng, Buffer.alloc(4 * 1024 * 1024)]);
    await page.setInputFiles('#app-image', { name: 'big.png', mimeType: 'image/png', buffer: big });
    await eventually(async () => /4 MiB/.test(await page.textContent('#app-image-error')), 'the size check');
    assert.deepEqual(uploads, [], 'nothing was sent for refused files');
    await page.setInputFiles('#app-image', { name: 'art.png', mimeType: 'image/png', buffer: kPng });
    await page.waitForSelector('#app-image-preview:not([hidden])');
    assert.equal(await page.isVisible('#app-image-error'), false);
    assert.match(await page.getAttribute('#app-image-preview', 'src'), /^data:image\/png;base64,/);
    await page.fill('#app-cmd', 'sleep 7200');
    await page.fill('#app-password', kPassword);
    await shot(page, 'desktop-apps-edit');
    await page.click('#app-save');
    await page.waitForSelector('#app-dialog', { state: 'hidden' });
    await page.locator('[data-testid="app-row"]', { hasText: appName }).locator('[data-testid="app-cmd"]', { hasText: 'sleep 7200' }).waitFor();
    assert.equal(uploads.length, 1);
    const api = await page.evaluate(async () => (await fetch('/api/apps')).json());
    const app = api.apps.find((a) => a.name === appName);
    assert.ok(app && app.has_image && app.editable && app.source === 'web', JSON.stringify(api));
    const art = await page.evaluate(async (id) => [...new Uint8Array(await (await fetch(`/api/apps/${id}/image`)).arrayBuffer())], app.id);
    assert.deepEqual(Buffer.from(art), kPng, 'the stored box art is the uploaded PNG');
    await shot(page, 'desktop-apps');
  });

  it('removing the app asks for the password again', async () => {
    const row = page.locator('[data-testid="app-row"]', { hasText: appName });
    await row.locator('[data-testid="app-remove"]').click();
    await page.waitForSelector('#confirm-dialog[open]');
    await page.fill('#confirm-password', 'wrong-password-123');
    await page.click('#confirm-ok');
    await eventually(async () => /password required/.test(await page.textContent('#confirm-error')), 'the 403 sentence in the dialog');
    await page.fill('#confirm-password', kPassword);
    await page.click('#confirm-ok');
    await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
    await eventually(async () => (await page.locator('[data-testid="app-row"]', { hasText: appName }).count()) === 0, 'the app to go');
  });

  it('the Status tab shows version, probe report and log lines', async () => {
    await page.click('#tab-link-status');
    await eventually(async () => (await page.textContent('#status-version')).trim().length > 0, 'the version');
    const probe = await page.textContent('#status-probe');
    assert.ok(probe.trim().length > 20, probe);
    const log = await page.textContent('#status-log');
    assert.ok(log.split('\n').length >= 3, log);
    await shot(page, 'desktop-status');
  });

  it('on a phone (390x844) every tab fits the width, and pairing works by touch', async () => {
    const phone = await launch({ viewport: kPhone, mobile: true });
    try {
      const phoneProblems = watchPages(phone.context);
      const p = await phone.context.newPage();
      await p.goto(`${server.webUrl}/login.html`);
      await p.waitForSelector('#login-form:not([hidden])');
      await shot(p, 'phone-login');
      await signIn(p, server.webUrl, kPassword);
      assert.equal(await p.getAttribute('#pair-pin', 'inputmode'), 'numeric');
      const second = device('phone-paired', ['pair', '7305', '90']);
      await second.waitFor(/^PAIR_STARTED$/);
      await p.waitForSelector('#pair-pending:not([hidden])', { timeout: 10_000 });
      await p.tap('#pair-pin');
      await p.fill('#pair-pin', '7305');
      await shot(p, 'phone-pair-pending');
      await p.tap('#pair-submit');
      await p.waitForSelector('#pair-result.ok:not([hidden])', { timeout: 15_000 });
      assert.equal(await second.exitCode(), 0, second.describe());
      for (const tab of ['pair', 'clients', 'apps', 'session', 'status']) {
        await p.tap(`#tab-link-${tab}`);
        await p.waitForSelector(`#tab-${tab}:not([hidden])`);
        await sleep(500);
        const widths = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(widths[0] <= widths[1], `${tab}: the page is ${widths[0]} px wide on a ${widths[1]} px screen`);
        await shot(p, `phone-${tab}`);
      }
      const stream = device('phone-paired', ['stream', '10']);
      await stream.waitFor(/^STREAMING$/, 30_000);
      await p.tap('#tab-link-session');
      await p.waitForSelector('#session-live:not([hidden])', { timeout: 15_000 });
      await eventually(async () => Number(await p.getAttribute('#latency-graph', 'data-points')) >= 3, 'graph points on the phone');
      const widths = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(widths[0] <= widths[1], `live session: ${widths[0]} px wide on a ${widths[1]} px screen`);
      await shot(p, 'phone-session-live');
      assert.equal(await stream.exitCode(90_000), 0, stream.describe());
      await p.tap('#tab-link-apps');
      await p.tap('#app-add');
      await shot(p, 'phone-apps-add');
      assert.deepEqual(phoneProblems, []);
    } finally {
      await phone.close();
    }
  });

  it('signing out ends the session', async () => {
    await page.click('#logout');
    await page.waitForURL(/\/login\.html$/);
    await page.goto(`${server.webUrl}/#clients`);
    assert.match(new URL(page.url()).pathname, /^\/login\.html$/);
    const status = await page.evaluate(async () => (await fetch('/api/session')).status);
    assert.equal(status, 401);
  });

  it('no page broke the Content-Security-Policy or threw', () => {
    assert.deepEqual(problems, []);
  });
});
