/**
 * The page holds every decision for its undo window (apps/web/src/holds.ts) before it
 * sends it. Tests about something else end the window at once with the bar's "Send now",
 * as a reviewer in a hurry would; tests/browser/decide.test.ts tests the window itself.
 */
import type { Page } from 'playwright-core';

/**
 * Sends every held decision now ("Send now" in the bar), waiting until there is one to
 * send. Clicked in the page, so a busy machine cannot let the window end between
 * finding the button and clicking it: either way the decision is sent once.
 */
export async function sendHeld(page: Page): Promise<void> {
  await page.waitForFunction(`(() => {
    const held = [...document.querySelectorAll('.hold-bar li[data-hold-state="held"]')];
    for (const li of held) [...li.querySelectorAll('button')].find((b) => b.textContent === 'Send now')?.click();
    return held.length > 0 || document.querySelector('.hold-bar li:not([data-hold-state="held"])') !== null;
  })()`);
  await page.waitForFunction(`document.querySelectorAll('.hold-bar li[data-hold-state="held"]').length === 0`);
}
