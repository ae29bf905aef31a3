/** HTTP hardening of the Worker: CORS for configured origins only, security headers, no internals in errors. */
import { describe, expect, it } from 'vitest';
import { BASE, team, workerFetch } from './harness.ts';

describe('CORS', () => {
  it('answers a preflight from a configured origin, and stays silent for any other', async () => {
    const preflight = (origin: string) =>
      workerFetch(`${BASE}/trpc/tasks.plan`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight('https://review.example.com');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://review.example.com');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await preflight('https://evil.example.net');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('security headers and errors', () => {
  it('sets nosniff, no-referrer and DENY on API answers', async () => {
    const res = await workerFetch(`${BASE}/trpc/tasks.list`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('never shows a stack trace or internal detail in an error', async () => {
    const t = await team();
    const res = await workerFetch(`${BASE}/trpc/tasks.plan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.agent}`, 'content-type': 'application/json' },
      body: '{"title": "x", "steps": [{"key": 1}]',
    });
    const text = await res.text();
    expect(res.status).toBeLessThan(500);
    expect(text).not.toMatch(/stack|\.ts:\d+|at [A-Za-z]+ \(/);
  });
});
