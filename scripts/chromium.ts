// Debian's Chromium, for the browser tests (test/helpers/browser.ts) and `npm run browser:setup`.
// playwright-core drives it; we never let Playwright download a browser build of its own (only
// the package registries are reachable), so the distribution's package is the one browser.
import { existsSync } from 'node:fs';
import { FailureType, LiveshiftError } from '../domain/errors';
import { aptInstall, isRoot } from '../qemu/apt';

/** Where Debian's `chromium` package puts its launcher. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_PACKAGES = ['chromium'] as const;

export interface ChromiumInstall {
  executablePath: string;
  /** True when this call ran apt-get install. */
  installed: boolean;
}

/** The launcher's path, or undefined when Chromium is not installed. */
export const findChromium = (): string | undefined => (existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined);

/** Chromium, installed with apt-get the first time (root only); returns at once when it is there. */
export function ensureChromium(log: (line: string) => void = console.error): ChromiumInstall {
  const found = findChromium();
  if (found) return { executablePath: found, installed: false };
  if (!isRoot())
    throw new LiveshiftError(
      FailureType.PreconditionFailed,
      `${CHROMIUM_PATH} not found and not root: run \`apt-get install ${CHROMIUM_PACKAGES.join(' ')}\` as root`,
    );
  log(`liveshift: installing Chromium (${CHROMIUM_PATH} missing): apt-get install ${CHROMIUM_PACKAGES.join(' ')}...`);
  aptInstall([...CHROMIUM_PACKAGES]);
  const after = findChromium();
  if (!after)
    throw new LiveshiftError(FailureType.PreconditionFailed, `${CHROMIUM_PATH} still missing after apt-get install`);
  return { executablePath: after, installed: true };
}
