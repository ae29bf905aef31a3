/**
 * The browser tests run on a fresh machine: with no system Chromium they use the one
 * `@sparticuz/chromium` ships, unpacked once even when several processes ask at once,
 * launched with switches that survive several contexts; a browser that cannot start is
 * a failure with its reason, never a skip.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { bundledChromium, CHROMIUM_ARGS, launchChromium, launchFirst, SYSTEM_PATHS, systemChromium } from './chromium.ts';

const scratch = mkdtempSync(join(tmpdir(), 'greenlight-chromium-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Several contexts with two pages each, one context closed midway, the rest still answer. */
async function exercise(browser: Browser): Promise<void> {
  const contexts = await Promise.all([1, 2, 3].map(() => browser.newContext({ viewport: { width: 390, height: 844 } })));
  const pages = await Promise.all(contexts.flatMap((c) => [c.newPage(), c.newPage()]));
  await Promise.all(pages.map((p, i) => p.setContent(`<button aria-keyshortcuts="a">Approve ${i}</button>`)));
  expect(await Promise.all(pages.map((p) => p.getByRole('button').innerText()))).toEqual(pages.map((_, i) => `Approve ${i}`));
  await contexts[0]!.close();
  const late = await (await browser.newContext()).newPage();
  await late.setContent('<p>still here</p>');
  expect(await late.innerText('p')).toBe('still here');
  expect(await Promise.all(pages.slice(2).map((p) => p.evaluate(() => 1 + 1)))).toEqual([2, 2, 2, 2]);
}

describe('the browser the tests drive', () => {
  it('starts here (a system Chromium or the bundled one) and keeps several contexts and pages alive', async () => {
    const browser = await launchChromium();
    try {
      await exercise(browser);
    } finally {
      await browser.close();
    }
  });

  it('the bundled Chromium (CHROMIUM_PATH=bundled) runs with several contexts, one closed midway', async () => {
    const browser = await launchChromium({ ...process.env, CHROMIUM_PATH: 'bundled' });
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      await exercise(browser);
    } finally {
      await browser.close();
    }
  });

  it('two callers unpacking at once end with one complete copy, and both can launch it', async () => {
    const dir = join(scratch, 'cache', 'v');
    const [a, b] = await Promise.all([bundledChromium(dir), bundledChromium(dir)]);
    expect(a).toEqual(b);
    // No staging directory is left behind, whoever lost the rename.
    expect(readdirSync(join(scratch, 'cache'))).toEqual(['v']);
    expect(existsSync(join(dir, 'al2023', 'lib', 'libnss3.so'))).toBe(true);
    const browser = await chromium.launch({ executablePath: a.executablePath, headless: true, args: CHROMIUM_ARGS, env: { ...process.env, ...a.env } });
    try {
      const page = await browser.newPage();
      await page.setContent('<h1>unpacked</h1>');
      expect(await page.innerText('h1')).toBe('unpacked');
    } finally {
      await browser.close();
    }
    // A later caller finds the copy and unpacks nothing (no staging directory was even made).
    const before = statSync(join(scratch, 'cache')).mtimeMs;
    expect(await bundledChromium(dir)).toEqual(a);
    expect(statSync(join(scratch, 'cache')).mtimeMs).toBe(before);
  });

  it('prefers a system Chromium: the usual places first, then the names on PATH', () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'google-chrome'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(bin, 'chromium'), 'not executable\n', { mode: 0o644 });
    const installed = SYSTEM_PATHS.find((p) => existsSync(p));
    expect(systemChromium(`${bin}${delimiter}/nonexistent`)).toBe(installed ?? join(bin, 'google-chrome'));
  });

  it('a system Chromium that does not start gives way to the bundled one, saying why; none that starts is an error naming each', async () => {
    const broken = join(scratch, 'broken-chromium');
    writeFileSync(broken, '#!/bin/sh\necho broken >&2\nexit 1\n', { mode: 0o755 });
    const system = async () => ({ source: 'system', executablePath: broken });
    const browser = await launchFirst([system, () => bundledChromium()]);
    try {
      expect((await (await browser.newPage()).evaluate('navigator.userAgent')) as string).toMatch(/Chrome\//);
    } finally {
      await browser.close();
    }
    await expect(launchFirst([system, system])).rejects.toThrow(/No Chromium could be started.*\n- system .*broken-chromium: .*\n- system .*broken-chromium: /);
  });

  it('an explicit CHROMIUM_PATH that is not a browser fails with its reason instead of falling back', async () => {
    await expect(launchChromium({ ...process.env, CHROMIUM_PATH: join(scratch, 'no-such-chromium') })).rejects.toThrow(/CHROMIUM_PATH=.*no-such-chromium is not an executable file/);
    await expect(launchChromium({ ...process.env, CHROMIUM_PATH: '/bin/true' })).rejects.toThrow(
      /No Chromium could be started for the browser tests:\n- CHROMIUM_PATH \/bin\/true: .*\nSet CHROMIUM_PATH/,
    );
  });
});
