// `npm test`'s pretest step and `npm run browser:setup`: make sure Debian's Chromium is installed
// for the browser tests (test/helpers/browser.ts). Safe to run again: returns at once when it is.
import { execFileSync } from 'node:child_process';
import { ensureChromium } from './chromium';

try {
  const chromium = ensureChromium();
  // Debian's launcher script prints a shell warning on stderr while sourcing its defaults: not ours to show.
  const version = execFileSync(chromium.executablePath, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  console.error(`liveshift: ${version} at ${chromium.executablePath}${chromium.installed ? ', just installed' : ''}`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
