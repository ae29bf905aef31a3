/** The live socket lives where the HTTP calls do: under the client's base URL, path included. */
import { describe, expect, it } from 'vitest';
import { socketUrl } from '../src/live.ts';

describe('socketUrl', () => {
  it("keeps the base URL's path (a server behind a proxy at /greenlight), as the HTTP calls do", () => {
    expect(socketUrl('https://example.com/greenlight', '/ws?ticket=glt_x', 5, undefined)).toBe('wss://example.com/greenlight/ws?ticket=glt_x&after=5');
    expect(socketUrl('https://example.com/greenlight/', '/ws?ticket=glt_x', 0, 'T1')).toBe('wss://example.com/greenlight/ws?ticket=glt_x&after=0&taskId=T1');
  });

  it('is the plain /ws at the root, over ws for http', () => {
    expect(socketUrl('http://127.0.0.1:8787', '/ws?ticket=glt_x', 0, undefined)).toBe('ws://127.0.0.1:8787/ws?ticket=glt_x&after=0');
    expect(socketUrl('http://127.0.0.1:8787///', '/ws?ticket=glt_x', 1, undefined)).toBe('ws://127.0.0.1:8787/ws?ticket=glt_x&after=1');
  });
});
