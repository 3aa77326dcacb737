// What every browser test script shares: its environment, Debian's headless
// Chromium in a new empty profile, named checks and screenshots.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** A required environment variable. */
export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/**
 * Runs `body(context, check, shot)` in a fresh headless Chromium, then
 * prints `passed`; on a failure names the check it failed in and exits 1.
 * `check(what, fn)` runs one named check; `shot(page, name)` keeps a
 * screenshot when SCREENSHOT_DIR is set.
 */
export async function inChromium(passed, body) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'campaigns-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A sandboxed frame (the console's email) is otherwise a process of its
      // own, and a click sent to it just after it appears can miss it while
      // its hit-testing is not ready: no tab opens (seen under CI's load).
      '--disable-features=IsolateSandboxedIframes',
    ],
  });
  context.setDefaultTimeout(10_000);
  // A script that throws, or anything a Content-Security-Policy blocked,
  // on any page: the run fails at its end even if every check passed.
  const faults = [];
  const watch = (page) => {
    page.on('pageerror', (error) => faults.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) {
        faults.push(`${page.url()}: ${message.text()}`);
      }
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  let step = 'starting';
  const check = async (what, fn) => {
    step = what;
    await fn();
    console.log(`ok - ${what}`);
  };
  const shots = process.env.SCREENSHOT_DIR;
  const shot = async (page, name) => {
    if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  try {
    await body(context, check, shot);
    step = 'no page threw or broke its Content-Security-Policy';
    if (faults.length > 0) throw new Error(faults.join('\n'));
    console.log(passed);
  } catch (err) {
    console.error(`FAILED at: ${step}`);
    console.error(err);
    process.exitCode = 1;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * The outbox as a person reads it on the console (signed in on a page of its
 * own): `open(to, template, name)` waits for the newest email of `template`
 * to `to`, clicks its link labelled `name` in the email as shown, and
 * returns the tab the link opened (with the URL it was opened at).
 */
export async function outbox(context, base, adminToken) {
  const page = await context.newPage();
  await page.goto(`${base}/console/login`);
  await page.fill('input[name=token]', adminToken);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/console\/executions/);
  const open = async (to, template, name) => {
    const row = page.locator('#emails tr.email', { hasText: template });
    for (let tries = 0; (await row.count()) === 0; tries += 1) {
      if (tries >= 100) throw new Error(`no ${template} email to ${to}`);
      await page.goto(`${base}/console/emails?to=${encodeURIComponent(to)}`);
      await page.waitForTimeout(100);
    }
    await row.first().getByRole('link').click();
    const button = page.frameLocator('iframe.email').getByRole('link', { name });
    const href = await button.getAttribute('href');
    await page.waitForLoadState('load');
    const [opened] = await Promise.all([context.waitForEvent('page'), button.click()]);
    await opened.waitForLoadState();
    return { page: opened, href };
  };
  return { open };
}
