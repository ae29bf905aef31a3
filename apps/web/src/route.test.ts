/** The page's routes, the history's filters included, survive a round trip through the URL. */
import { describe, expect, it } from 'vitest';
import { historyHref, parseRoute, taskHref } from './route.ts';

describe('routes', () => {
  it('inbox, task, history with filters', () => {
    expect(parseRoute('')).toEqual({ page: 'inbox' });
    expect(parseRoute(taskHref('t 1'))).toEqual({ page: 'task', taskId: 't 1' });
    expect(parseRoute('#/history')).toEqual({ page: 'history', query: {} });
    const q = { agent: 'bot@ci', decider: 'policy:reads', since: '1700000000000' };
    expect(parseRoute(historyHref(q))).toEqual({ page: 'history', query: q });
    expect(parseRoute('#/history?agent=&unknown=1')).toEqual({ page: 'history', query: {} });
  });

  it("Slack's link URL: a token of URL-safe characters, nothing else", () => {
    expect(parseRoute('#/slack-link/abc_DEF-123')).toEqual({ page: 'slack-link', token: 'abc_DEF-123' });
    expect(parseRoute('#/slack-link/')).toEqual({ page: 'inbox' });
    expect(parseRoute('#/slack-link/a b')).toEqual({ page: 'inbox' });
    expect(parseRoute('#/slack-link/abc/../x')).toEqual({ page: 'inbox' });
  });
});
