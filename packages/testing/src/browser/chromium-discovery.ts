import { existsSync } from 'node:fs';

/** Debian's and Ubuntu's packaged Chromium. */
export const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export interface ChromiumFound {
  executablePath: string;
  /** Which rule found it, for messages and logs. */
  source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE' | 'system' | 'playwright';
}

export interface DiscoveryEnvironment {
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
  /** Where Playwright's own download would be (it may not be installed). */
  playwrightExecutable(): string | undefined;
}

export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError';
}

/**
 * Finds a Chromium to run tests in: `PLAYWRIGHT_CHROMIUM_EXECUTABLE`, then the system's Chromium,
 * then Playwright's own download. Machines that cannot reach Playwright's CDN (CI images, locked-down
 * networks) usually have the distribution's package, hence that order.
 */
export function findChromium(environment: DiscoveryEnvironment): ChromiumFound {
  const fromEnv = environment.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE;
  if (fromEnv) {
    // An explicit choice that does not exist is a mistake to report, not a reason to pick another.
    if (!environment.exists(fromEnv)) {
      throw new ChromiumNotFoundError(`PLAYWRIGHT_CHROMIUM_EXECUTABLE is set to ${fromEnv}, but there is no file there. Point it at a Chromium executable, or unset it to use the system's Chromium or Playwright's.`);
    }
    return { executablePath: fromEnv, source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE' };
  }
  const system = SYSTEM_CHROMIUM.find((path) => environment.exists(path));
  if (system) return { executablePath: system, source: 'system' };
  let playwright: string | undefined;
  try {
    playwright = environment.playwrightExecutable();
  } catch {
    playwright = undefined;
  }
  if (playwright && environment.exists(playwright)) return { executablePath: playwright, source: 'playwright' };
  throw new ChromiumNotFoundError(
    [
      'No Chromium found to run the tests. Any one of these fixes it:',
      '  - set PLAYWRIGHT_CHROMIUM_EXECUTABLE=/path/to/chromium',
      '  - install the system package (Debian/Ubuntu: sudo apt-get install chromium)',
      "  - download Playwright's: npx playwright install chromium",
      `Looked in: ${[...SYSTEM_CHROMIUM, playwright ?? "(Playwright's download location unknown)"].join(', ')}.`,
    ].join('\n'),
  );
}

/** `findChromium` on this machine. */
export function findChromiumHere(playwrightExecutable: () => string | undefined): ChromiumFound {
  return findChromium({ env: process.env, exists: existsSync, playwrightExecutable });
}

/**
 * Flags for Chromium in containers and CI: no sandbox (it needs privileges containers lack when
 * running as root), no GPU, no background network chatter that slows start-up offline.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
