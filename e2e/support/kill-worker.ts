import type { Page } from '@playwright/test';

/** Temporary: ends the page's Tandem shared worker through CDP (the kit gets its own). */
export async function killWorker(page: Page): Promise<string> {
  const browser = page.context().browser()!;
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
    const target = targetInfos.find((t) => t.type === 'shared_worker' && /tandem/.test(t.url));
    if (!target) throw new Error('no shared worker');
    await cdp.send('Target.closeTarget', { targetId: target.targetId });
    for (;;) {
      const { targetInfos: now } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string }[] };
      if (!now.some((t) => t.targetId === target.targetId)) return target.targetId;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await cdp.detach().catch(() => {});
  }
}
