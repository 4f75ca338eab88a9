// Developer aid: screenshots of every page against fake-server.mjs (desktop and phone) into
// artifacts/fake-*.png, to look at the layout without building the server.
//   node fake-server.mjs 18080 &  node shots-fake.mjs http://127.0.0.1:18080
import { mkdirSync } from 'node:fs';
import { launch, kPhone } from './browser.mjs';

const base = process.argv[2] || 'http://127.0.0.1:18080';
mkdirSync(new URL('./artifacts/', import.meta.url), { recursive: true });
for (const [label, opts] of [['desktop', {}], ['phone', { viewport: kPhone, mobile: true }]]) {
  const b = await launch(opts);
  const page = await b.context.newPage();
  page.on('console', (m) => console.log(`[${label} console] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[${label} pageerror] ${e}`));
  await page.goto(`${base}/login.html`);
  await page.fill('#login-password', 'correct horse');
  await page.screenshot({ path: `artifacts/fake-${label}-login.png`, fullPage: true });
  await page.click('#login-submit');
  await page.waitForSelector('body[data-ready="true"]');
  for (const tab of ['pair', 'clients', 'apps', 'session', 'status']) {
    await page.goto(`${base}/#${tab}`);
    await page.waitForTimeout(tab === 'session' ? 3000 : 800);
    await page.screenshot({ path: `artifacts/fake-${label}-${tab}.png`, fullPage: true });
  }
  await page.goto(`${base}/#apps`);
  await page.click('[data-testid="app-edit"]');
  await page.screenshot({ path: `artifacts/fake-${label}-app-edit.png` });
  await b.close();
}
