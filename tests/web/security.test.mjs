// Browser-level security of the web admin page (issue 8 "Security tests"), in chromium
// against the real `lightwell serve`:
// - framing is refused: the page loaded in an <iframe> of another local origin stays blank
//   (frame-ancestors 'none' / X-Frame-Options DENY), while a frame of that origin's own page
//   loads (so the check can fail);
// - a state-changing request without the CSRF token, or sent by another origin with the
//   session cookie, changes nothing (the session survives a forged /api/logout);
// - wrong passwords end in the rate limit, and the sign-in page says so and counts down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Lightwell } from './harness.mjs';
import { launch } from './browser.mjs';
import { eventually, shot, signIn } from './common.mjs';

const kPassword = 'security-test-password';

// Another local origin (plain HTTP on a free port) serving a page that frames `target`.
function framingSite(target) {
  const server = createServer((req, res) => {
    if (req.url === '/inner.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><p id="inner">framed content of this origin</p>');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>attacker</title>
<iframe id="control" src="/inner.html" width="300" height="100"></iframe>
<iframe id="victim" src="${target}" width="600" height="400"></iframe>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('web admin page security in chromium', { timeout: 300_000 }, () => {
  const lw = new Lightwell({ name: 'Security Test Host' });
  let browser;
  let site;
  let siteUrl;

  before(async () => {
    await lw.start();
    await lw.setPassword(kPassword);
    browser = await launch();
  });

  after(async () => {
    if (site) site.close();
    if (browser) await browser.close();
    if (process.exitCode) console.log(`---- server log ----\n${lw.log()}`);
    await lw.cleanup();
  });

  it('refuses to be framed by another origin', async () => {
    for (const target of ['/login.html', '/']) {
      site = await framingSite(`${lw.webUrl}${target}`);
      siteUrl = `http://127.0.0.1:${site.address().port}`;
      const page = await browser.context.newPage();
      const refusals = [];
      page.on('console', (m) => { if (/frame/i.test(m.text())) refusals.push(m.text()); });
      await page.goto(`${siteUrl}/`);
      const control = await (await page.$('#control')).contentFrame();
      await control.waitForSelector('#inner');  // frames do load here
      const victim = await (await page.$('#victim')).contentFrame();
      await page.waitForTimeout(2000);  // give the frame every chance to render
      const rendered = await victim.$('#login-form, #login-main, body[data-ready]').then((h) => Boolean(h), () => false);
      assert.equal(rendered, false, `${target} rendered inside a foreign frame (frame url ${victim.url()})`);
      assert.ok(!victim.url().startsWith(lw.webUrl) || refusals.length > 0,
        `frame at ${victim.url()}, no refusal reported`);
      await shot(page, `security-framed${target === '/' ? '-index' : '-login'}`);
      await page.close();
      site.close();
      site = null;
    }
  });

  it('a POST without the CSRF token, or from another origin, changes nothing', async () => {
    const page = await browser.context.newPage();
    await signIn(page, lw.webUrl, kPassword);
    const noToken = await page.evaluate(async () => {
      const r = await fetch('/api/logout', { method: 'POST' });
      return { status: r.status, body: await r.text() };
    });
    assert.equal(noToken.status, 403, noToken.body);
    assert.match(JSON.parse(noToken.body).error, /./);
    // Another origin: the browser sends what it will (cookie or not, its own Origin); the
    // opaque answer is unreadable, so the effect is checked: the session is still alive.
    site = await framingSite('about:blank');
    const foreign = await browser.context.newPage();
    await foreign.goto(`http://127.0.0.1:${site.address().port}/`);
    await foreign.evaluate(async (url) => {
      await fetch(`${url}/api/logout`, { method: 'POST', mode: 'no-cors', credentials: 'include' }).catch(() => {});
      await fetch(`${url}/api/pairing/pin`, { method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'Content-Type': 'text/plain' }, body: '{"pin":"1234"}' }).catch(() => {});
    }, lw.webUrl);
    const still = await page.evaluate(async () => (await fetch('/api/session')).status);
    assert.equal(still, 200, 'the forged logout must not end the session');
    await foreign.close();
    await page.close();
    site.close();
    site = null;
  });

  it('wrong passwords are rate limited, and the page says so with a countdown', async () => {
    const fresh = await launch();
    const page = await fresh.context.newPage();
    try {
      await page.goto(`${lw.webUrl}/login.html`);
      await page.waitForSelector('#login-form:not([hidden])');
      // The server allows a few failures, then answers 429 with Retry-After (seconds,
      // doubling). Everything about the locked state is read the moment the page shows it,
      // while the Retry-After window is still open.
      let attempts = 0;
      const locked = await eventually(async () => {
        if (await page.isDisabled('#login-submit')) {
          const message = await page.textContent('#login-error');
          if (!/try again in \d+ s/.test(message)) return false;
          const direct = await page.evaluate(async (pw) => {
            const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ user: 'admin', password: pw }) });
            return { status: r.status, retry: r.headers.get('Retry-After') };
          }, kPassword);
          return { message, button: await page.textContent('#login-submit'), direct };
        }
        attempts += 1;
        if (attempts > 40) throw new Error('no rate limit after 40 wrong passwords');
        await page.fill('#login-password', `wrong-${attempts}`);
        const answered = page.waitForResponse((r) => r.url().endsWith('/api/login'));
        await page.click('#login-submit');
        await answered;
        return false;
      }, 'the rate-limit message', 120_000);
      assert.match(locked.message, /try again in \d+ s/);
      assert.match(locked.button, /Wait \d+ s/);
      // Even the right password is held back while limited (by the server, not just the page).
      assert.equal(locked.direct.status, 429);
      assert.match(locked.direct.retry || '', /^\d+$/);
      await shot(page, 'security-login-rate-limited');
    } finally {
      await fresh.close();
    }
  });
});
