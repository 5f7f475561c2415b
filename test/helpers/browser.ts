// Headless Chromium for the browser tests: Debian's package (`npm run browser:setup`, also run by
// `npm test`'s pretest), driven by playwright-core, which never downloads a browser of its own.
// Screenshots go to .liveshift/screenshots/<name>.png, where a person (or the file viewer) looks.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from '../../scripts/chromium';

export const SCREENSHOT_DIR = resolve('.liveshift', 'screenshots');

export interface TestBrowser {
  browser: Browser;
  /** A fresh page (its own context), closed with the browser. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Saves the page as `.liveshift/screenshots/<name>.png` and returns the file's path. */
  screenshot(page: Page, name: string, fullPage?: boolean): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is not installed: run `npm run browser:setup` (as root)');
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  return {
    browser,
    newPage: async (viewport = { width: 1366, height: 900 }) => (await browser.newContext({ viewport })).newPage(),
    screenshot: async (page, name, fullPage = true) => {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name "${name}": letters, digits, . _ - only`);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage });
      return file;
    },
    close: () => browser.close(),
  };
}
