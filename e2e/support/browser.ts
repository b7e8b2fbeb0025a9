import { existsSync } from 'node:fs';

/** Flags for Chromium on this kind of machine: no sandbox as root, no network chatter. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `PLAYWRIGHT_CHROMIUM_EXECUTABLE`, else Debian's chromium, else Playwright's own download. */
export function chromiumExecutable(): string | undefined {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE;
  if (fromEnv) return fromEnv;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

export function chromiumLaunchOptions() {
  const executablePath = chromiumExecutable();
  return { args: chromiumArgs, ...(executablePath ? { executablePath } : {}) };
}
