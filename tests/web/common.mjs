// Shared pieces of the browser tests: screenshots into the artifacts dir, a watch on every
// page for CSP violations and uncaught errors (the pages must run under the strict CSP of
// WEB-API.md "Transport"), sign-in, and small waits that poll instead of timing.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kArtifacts } from './harness.mjs';

mkdirSync(kArtifacts, { recursive: true });

export async function shot(page, name) {
  const file = path.join(kArtifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Collects CSP violations and uncaught page errors of every page of a context.
export function watchPages(context) {
  const problems = [];
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) {
        problems.push(`CSP: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return problems;
}

export async function signIn(page, baseUrl, password, user = 'admin') {
  await page.goto(`${baseUrl}/login.html`);
  await page.waitForSelector('#login-form:not([hidden])');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]');
}

// Polls fn() until it returns a truthy value (returned), or throws with what it saw last.
export async function eventually(fn, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(200);
  }
}

// A 1x1 PNG (signature, IHDR, IDAT, IEND) and a file that only claims to be one.
export const kPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaGj4DwAFhAKAjM1mNQAAAABJRU5ErkJggg==', 'base64');
