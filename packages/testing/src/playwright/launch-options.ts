import { chromium } from '@playwright/test';
import type { LaunchOptions } from '@playwright/test';
import { CHROMIUM_ARGS, findChromiumHere } from '../browser/chromium-discovery.ts';

/**
 * Launch options for Chromium: the executable from `findChromium` (PLAYWRIGHT_CHROMIUM_EXECUTABLE,
 * the system's Chromium, Playwright's download; a clear error when there is none) and flags that
 * work in containers. Use in `playwright.config.ts`: `use: { launchOptions: chromiumLaunchOptions() }`.
 */
export function chromiumLaunchOptions(extra: LaunchOptions = {}): LaunchOptions {
  const { executablePath } = findChromiumHere(() => chromium.executablePath());
  return { ...extra, executablePath, args: [...CHROMIUM_ARGS, ...(extra.args ?? [])] };
}
