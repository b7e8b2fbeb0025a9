// Browser discovery comes from the testing kit, so our Vitest browser project, our Playwright e2e and
// our users' tests all find Chromium the same way.
export { chromiumLaunchOptions, CHROMIUM_ARGS } from '@tandem/testing/playwright';
