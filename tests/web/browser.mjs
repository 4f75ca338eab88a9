// Launching Debian's chromium through playwright-core (no browser download): headless, a
// fresh user-data dir per launch, nothing phoning home, the host's self-signed certificate
// accepted (the tests check the page, not the PKI).
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const kChromium = process.env.LIGHTWELL_CHROMIUM || '/usr/bin/chromium';

export function chromiumMissing() {
  return existsSync(kChromium) ? '' : `no browser at ${kChromium} (apt-get install chromium)`;
}

export const kArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

// Returns { context, close }: a persistent context in a fresh profile directory (removed on
// close). viewport: { width, height }; isMobile/hasTouch for the phone runs.
export async function launch({ viewport = { width: 1280, height: 900 }, mobile = false } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'lightwell-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: kChromium,
    headless: true,
    args: kArgs,
    ignoreHTTPSErrors: true,
    viewport,
    deviceScaleFactor: mobile ? 3 : 1,
    isMobile: mobile,
    hasTouch: mobile,
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const kPhone = { width: 390, height: 844 };
