/** `greenlight help` as a new user reads it: in an ordinary terminal, naming every flag README documents. */
import { describe, expect, it } from 'vitest';
import { helpText } from '../src/main.ts';

describe('greenlight help', async () => {
  it('keeps the usage column narrow: one long usage does not push every summary right, nor pad lines', async () => {
    const lines = (await helpText()).split('\n');
    const approve = lines.find((l) => l.startsWith('  approve '))!;
    // The summary starts where the usage column ends; one long usage (audit) must not push it past 52.
    expect(approve.indexOf('approve a step')).toBeLessThanOrEqual(52);
    for (const line of lines.filter((l) => l.startsWith('  ') && !l.startsWith('   '))) {
      expect(line.trimEnd()).toBe(line); // no padding left at the end of a line
    }
  });

  it('audit shows both forms on their own lines, with every flag it takes (--anchor too)', async () => {
    const lines = (await helpText()).split('\n');
    expect(lines).toContain('  audit export [--format ndjson|csv] [--after <seq>] [--before <seq>] [--limit <n>]');
    expect(lines).toContain('  audit verify <file> [--head <seq>:<hash>] [--anchor <seq>:<hash>]');
  });
});
