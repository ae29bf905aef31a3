/** Where the CLI finds its server and key, and which source wins. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { UsageError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ url: 'http://file.test', key: 'gl_file_key' }));

  it('takes each field from the environment first, else the file', () => {
    expect(loadConfig({ configPath: file, env: { GREENLIGHT_URL: 'http://env.test' } })).toMatchObject({ url: 'http://env.test', key: 'gl_file_key' });
    expect(loadConfig({ configPath: file, env: {} })).toMatchObject({ url: 'http://file.test', key: 'gl_file_key' });
  });

  it('reads $XDG_CONFIG_HOME/greenlight/config.json by default, and tolerates its absence', () => {
    const xdg = join(dir, 'xdg');
    expect(() => loadConfig({ env: { XDG_CONFIG_HOME: xdg } })).toThrow(/no server URL/);
    expect(loadConfig({ env: { XDG_CONFIG_HOME: xdg, GREENLIGHT_URL: 'http://e', GREENLIGHT_KEY: 'k' } }).url).toBe('http://e');
  });

  it('rejects a missing explicit file and a malformed one as usage errors', () => {
    expect(() => loadConfig({ configPath: join(dir, 'nope.json'), env: {} })).toThrow(UsageError);
    writeFileSync(join(dir, 'bad.json'), '{"url": 42}');
    expect(() => loadConfig({ configPath: join(dir, 'bad.json'), env: {} })).toThrow(/url/);
  });
});

describe('the server URL', () => {
  it('must be an http(s) URL: a usage error naming its source, not a NETWORK_ERROR from inside fetch', () => {
    expect(() => loadConfig({ env: { GREENLIGHT_URL: 'notaurl', GREENLIGHT_KEY: 'k' } })).toThrow(/server URL from GREENLIGHT_URL is not a URL: "notaurl"/);
    expect(() => loadConfig({ env: { GREENLIGHT_URL: 'ftp://127.0.0.1:1', GREENLIGHT_KEY: 'k' } })).toThrow(/must be http or https, not ftp:/);
    expect(() => loadConfig({ env: { GREENLIGHT_URL: '127.0.0.1:8787', GREENLIGHT_KEY: 'k' } })).toThrow(UsageError);
    expect(loadConfig({ env: { GREENLIGHT_URL: 'https://greenlight.example', GREENLIGHT_KEY: 'k' } }).url).toBe('https://greenlight.example');
  });
});
