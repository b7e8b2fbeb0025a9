import { describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium } from './chromium-discovery.ts';
import type { DiscoveryEnvironment } from './chromium-discovery.ts';

function machine(files: string[], env: Record<string, string> = {}, playwright = '/home/u/.cache/ms-playwright/chromium/chrome'): DiscoveryEnvironment {
  return { env, exists: (p) => files.includes(p), playwrightExecutable: () => playwright };
}

describe('findChromium', () => {
  it('takes PLAYWRIGHT_CHROMIUM_EXECUTABLE first', () => {
    const found = findChromium(machine(['/opt/chrome', '/usr/bin/chromium'], { PLAYWRIGHT_CHROMIUM_EXECUTABLE: '/opt/chrome' }));
    expect(found).toEqual({ executablePath: '/opt/chrome', source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE' });
  });

  it('reports a PLAYWRIGHT_CHROMIUM_EXECUTABLE that does not exist instead of silently picking another', () => {
    expect(() => findChromium(machine(['/usr/bin/chromium'], { PLAYWRIGHT_CHROMIUM_EXECUTABLE: '/nope/chrome' }))).toThrow(
      /PLAYWRIGHT_CHROMIUM_EXECUTABLE is set to \/nope\/chrome, but there is no file there/,
    );
  });

  it("then the system's Chromium, before Playwright's download", () => {
    const files = ['/usr/bin/chromium', '/home/u/.cache/ms-playwright/chromium/chrome'];
    expect(findChromium(machine(files))).toEqual({ executablePath: '/usr/bin/chromium', source: 'system' });
    expect(findChromium(machine(['/usr/bin/chromium-browser']))).toEqual({ executablePath: '/usr/bin/chromium-browser', source: 'system' });
  });

  it("then Playwright's own download", () => {
    expect(findChromium(machine(['/home/u/.cache/ms-playwright/chromium/chrome']))).toEqual({
      executablePath: '/home/u/.cache/ms-playwright/chromium/chrome',
      source: 'playwright',
    });
  });

  it('names every fix when there is none', () => {
    let error: unknown;
    try {
      findChromium(machine([]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChromiumNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('PLAYWRIGHT_CHROMIUM_EXECUTABLE');
    expect(message).toContain('apt-get install chromium');
    expect(message).toContain('npx playwright install chromium');
    expect(message).toContain('/home/u/.cache/ms-playwright/chromium/chrome');
  });

  it('survives Playwright not knowing where its download would be', () => {
    const env: DiscoveryEnvironment = { env: {}, exists: () => false, playwrightExecutable: () => { throw new Error('no registry'); } };
    expect(() => findChromium(env)).toThrow(ChromiumNotFoundError);
  });
});
