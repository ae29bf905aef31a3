/**
 * The checks every view of the review page must pass, at a phone's width (390 px) and a
 * desktop's: an axe-core audit with no violation, and nothing wider than the viewport
 * unless it scrolls inside its own box (a diff, a command). Screenshots of each go to
 * test-results/ to look at.
 */
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { RESULTS_DIR } from './page.ts';

export const PHONE = { width: 390, height: 844 };
/** WCAG 1.4.10 (reflow) asks for 320 CSS px: checked for sideways scrolling only. */
export const NARROW = { width: 320, height: 640 };
export const DESKTOP = { width: 1280, height: 900 };

/**
 * Rules axe leaves off by default, turned on: target-size is WCAG 2.2 AA (2.5.8);
 * label-content-name-mismatch checks that a control's name contains its visible label
 * (WCAG 2.5.3, the decision buttons' fault); the rest are cheap best practices. Left
 * off: the experimental focus-order-semantics, which wants every focusable box to be a
 * landmark, while a diff that scrolls is focusable (so the keyboard can scroll it, as
 * scrollable-region-focusable asks) and is a named group: a landmark per diff would
 * flood the landmark list, and two diffs of one file would repeat a landmark's name.
 */
const EXTRA_RULES = Object.fromEntries(['target-size', 'label-content-name-mismatch', 'landmark-complementary-is-top-level', 'p-as-heading'].map((id) => [id, { enabled: true }]));

/**
 * Every axe violation on the page (or inside `include`) as one readable line each: rule,
 * impact, help, where. Legacy mode runs axe in the page itself instead of finishing in a
 * second blank page: twice as fast, and the page has no cross-origin frames it would miss.
 */
export async function axeViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).options({ rules: EXTRA_RULES }).setLegacyMode(true);
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}: ${v.nodes
        .slice(0, 4)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
}

/**
 * Runs in the page: the document's scroll width, and each element that sticks out of
 * the viewport without a clipping or scrolling ancestor that fits. A string, because the
 * tests are type-checked without the DOM library.
 */
const OVERFLOW_SCRIPT = `(() => {
  const vw = document.documentElement.clientWidth;
  // In document coordinates: a page that is too wide may also be scrolled sideways.
  const fits = (r) => r.left + scrollX >= -0.5 && r.right + scrollX <= vw + 0.5;
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || fits(r)) continue;
    let clip = el.parentElement;
    while (clip && clip !== document.body && getComputedStyle(clip).overflowX === 'visible') clip = clip.parentElement;
    if (clip && clip !== document.body && fits(clip.getBoundingClientRect())) continue;
    offenders.push(name(el) + ' right=' + Math.round(r.right + scrollX));
  }
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, offenders: offenders.slice(0, 8) };
})()`;

export type Overflow = { scrollWidth: number; clientWidth: number; offenders: string[] };

export const overflow = (page: Page): Promise<Overflow> => page.evaluate(OVERFLOW_SCRIPT) as Promise<Overflow>;

/**
 * Audits the view as it is now at a phone's and a desktop's width (the page keeps its
 * state while the viewport changes), saving `a11y-<name>-<width>.png`, and its width
 * alone at 320 px. Fails with every
 * axe violation (inside `include` when given) and every element that makes the page
 * scroll sideways.
 */
export async function checkView(page: Page, name: string, opts: { include?: string } = {}): Promise<void> {
  const found: Record<string, { sideways: string[]; violations: string[] }> = {};
  await page.setViewportSize(NARROW);
  const narrow = await overflow(page);
  if (narrow.scrollWidth > narrow.clientWidth || narrow.offenders.length > 0) {
    found[`${name} at ${NARROW.width} px`] = { sideways: [`the page is ${narrow.scrollWidth} px wide in ${narrow.clientWidth} px`, ...narrow.offenders], violations: [] };
  }
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    await page.screenshot({ path: join(RESULTS_DIR, `a11y-${name}-${size.width}.png`), fullPage: true });
    const o = await overflow(page);
    const sideways = o.scrollWidth > o.clientWidth ? [`the page is ${o.scrollWidth} px wide in ${o.clientWidth} px`, ...o.offenders] : o.offenders;
    found[`${name} at ${size.width} px`] = { sideways, violations: await axeViolations(page, opts.include) };
  }
  const clean = Object.fromEntries(Object.keys(found).map((k) => [k, { sideways: [], violations: [] }]));
  expect(found).toEqual(clean);
}
