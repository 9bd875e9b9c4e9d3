import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser downloads are not used). Headless as
 * root needs --no-sandbox; the other flags stop Chromium calling out (updates, sync, field trials, QUIC).
 * Playwright gives every launch a fresh, temporary profile.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install it with "apt-get install -y chromium" (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Signs in through the local stack's sign-in page, as an operator would, and waits for the console. */
export async function signIn(
  page: Page,
  consoleUrl: string,
  who: { role: 'admin' | 'owner' | 'tenant'; sub: string; ownerId?: string },
): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByRole('heading', { name: 'Sign in to the local stack' }).waitFor();
  await page.getByLabel('Role').selectOption(who.role);
  await page.getByLabel('User id').fill(who.sub);
  if (who.ownerId) await page.getByLabel('Owner id (owners only)').fill(who.ownerId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\//);
}
