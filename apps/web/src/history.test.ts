/** The history's filters from the URL: checked, and times round-trip through the date field. */
import { describe, expect, it } from 'vitest';
import { fromLocalInput, historyInput, toLocalInput } from './history.ts';

describe('history filters', () => {
  it('maps the URL to history.list’s input', () => {
    expect(historyInput({ task: 't1', decider: 'alice', since: '1000', until: '2000' })).toEqual({ ok: true, value: { taskId: 't1', decider: 'alice', since: 1000, until: 2000 } });
    expect(historyInput({}).ok).toBe(true);
  });
  it('refuses a time that is not one, and a range that ends before it starts', () => {
    expect(historyInput({ since: 'yesterday' }).ok).toBe(false);
    expect(historyInput({ since: '2000', until: '1000' }).ok).toBe(false);
  });
  it('a local date field round-trips to the minute', () => {
    const at = String(new Date(2026, 10, 30, 16, 5).getTime());
    expect(toLocalInput(at)).toBe('2026-11-30T16:05');
    expect(fromLocalInput(toLocalInput(at))).toBe(at);
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput(undefined)).toBe('');
  });
});
