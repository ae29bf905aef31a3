/**
 * The page holds every decision for its undo window (apps/web/src/holds.ts) before it
 * sends it. Tests about something else end the window at once with the bar's "Send now",
 * as a reviewer in a hurry would; tests/browser/decide.test.ts tests the window itself.
 */
import type { Page } from 'playwright-core';

/** Clicks "Send now" on the newest held decision and waits until it has left the held state. */
export async function sendHeld(page: Page): Promise<void> {
  const held = page.locator('.hold-bar li[data-hold-state="held"]').last();
  await held.waitFor();
  const before = await page.locator('.hold-bar li[data-hold-state="held"]').count();
  await held.getByRole('button', { name: 'Send now', exact: true }).click();
  await page.waitForFunction(`document.querySelectorAll('.hold-bar li[data-hold-state="held"]').length < ${before}`);
}
