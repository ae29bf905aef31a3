/**
 * No secret at rest: a secret shown once (a workspace's admin key, a new key, a
 * webhook's signing secret, a socket ticket) is never stored readable, on any path:
 * the first answer, an idempotent repeat, a migrated old row. Checked by reading every
 * row of every table of the object's SQLite. Idempotency records replay only to the
 * key that made them, expire after 24 h, and are pruned by the alarm.
 */
import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { IDEMPOTENCY_WINDOW_MS } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { openAtRest, openForCaller, sealAtRest, sealForCaller } from '../src/workspace/seal.ts';
import { webhookSecretAad } from '../src/workspace/webhooks.ts';
import { stubOf } from './deadlines.ts';
import { clientFor, errorOf, ROOT_TOKEN, team, uniqueId } from './harness.ts';

const textOf = (v: unknown): string => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : String(v));

/** Every (table, column) of the object's SQLite whose value contains one of `needles`. */
async function findAtRest(workspaceId: string, needles: string[]): Promise<string[]> {
  return runInDurableObject(stubOf(workspaceId), (_o, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'`).toArray();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['keys', 'idempotency', 'webhooks', 'deliveries', 'events', 'tickets', 'meta']));
    const found: string[] = [];
    for (const { name } of tables) {
      for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          const text = textOf(value);
          for (const needle of needles) if (text.includes(needle)) found.push(`${name}.${column} holds ${needle.slice(0, 12)}…`);
        }
      }
    }
    return found;
  });
}

/**
 * The secret inside `gl_<workspace>_<secret>` (or a ticket, `glt_…`). The workspace id has
 * no `_`, so the secret is everything after the second one; the last `_` would do only
 * when the secret holds none (base64url has `_`: a secret ending in `_x` made the needle
 * `x`, found in every table, and this test failed about one run in ten).
 */
const bareSecret = (s: string): string => s.replace(/^glt?_[a-z0-9-]+_/, '');
/** A key and the bare secret inside it: neither may be stored. */
const keyNeedles = (key: string): string[] => [key, bareSecret(key)];

describe('no secret at rest', () => {
  it('stores no secret shown once readable in any table: admin key, new keys, webhook secrets, tickets, and their idempotent repeats', async () => {
    const t = await team();
    const key = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'make-ci-key' });
    const hook = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', idempotencyKey: 'make-hook' });
    const { ticket } = await t.viewer.events.ticket.mutate();
    // The repeats replay through the same records, and must not store anything readable either.
    expect(await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'make-ci-key' })).toEqual(key);
    expect(await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', idempotencyKey: 'make-hook' })).toEqual(hook);
    const needles = [...keyNeedles(t.keys.admin), ...keyNeedles(key.key), ...keyNeedles(t.keys.agent), hook.secret, hook.secret.slice('whsec_'.length), ticket, bareSecret(ticket)];
    expect(await findAtRest(t.id, needles)).toEqual([]);
  });

  it('replays a secret-bearing answer to the same key: the same id and secret, and the key works', async () => {
    const t = await team();
    const first = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'k1' });
    const again = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'k1' });
    expect(again).toEqual(first);
    expect((await clientFor(again.key).workspaces.get.query()).you.principal).toBe('ci');
    expect((await t.admin.keys.list.query()).items.filter((k) => k.principal === 'ci')).toHaveLength(1);
    const hook = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/a', idempotencyKey: 'h1' });
    expect(await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/a', idempotencyKey: 'h1' })).toEqual(hook);
    expect((await t.admin.webhooks.list.query()).items).toHaveLength(1);
    // Same key, other input: still CONFLICT, as for every mutation.
    expect((await errorOf(t.admin.keys.create.mutate({ principal: 'cd', role: 'agent', idempotencyKey: 'k1' }))).code).toBe('CONFLICT');
  });

  it('never shows the secret to another key: same principal is CONFLICT (secret_shown_once), another principal has its own scope', async () => {
    const t = await team();
    const first = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'shared' });
    // A second key of the same principal (as after rotating the admin key) repeats the call.
    const twin = clientFor((await t.admin.keys.create.mutate({ principal: 'admin', role: 'admin' })).key);
    const e = await errorOf(twin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'shared' }));
    expect(e).toMatchObject({ code: 'CONFLICT', reason: 'secret_shown_once' });
    expect(e.message).not.toContain(first.key);
    const hook = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/a', idempotencyKey: 'hook' });
    expect(await errorOf(twin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/a', idempotencyKey: 'hook' }))).toMatchObject({ code: 'CONFLICT', reason: 'secret_shown_once' });
    expect((await t.admin.webhooks.list.query()).items.map((w) => w.id)).toEqual([hook.webhook.id]);
    // Another principal's idempotency keys are its own: the same string is a new call.
    const other = clientFor((await t.admin.keys.create.mutate({ principal: 'ops', role: 'admin' })).key);
    const theirs = await other.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'shared' });
    expect(theirs.id).not.toBe(first.id);
    expect((await t.admin.keys.list.query()).items.filter((k) => k.principal === 'ci')).toHaveLength(2);
  });

  it('forgets an idempotency record after 24 h: the alarm prunes it, and a repeat after the window is a new call', async () => {
    const t = await team();
    const plan = { title: 'x', steps: [{ key: 'a', kind: 'run_command' as const, title: 'a', params: { command: 'ls' } }] };
    const first = await t.agent.plan({ ...plan, idempotencyKey: 'p1' });
    await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'k1' });
    // The object aims its one alarm at the earliest deadline, the records' expiry included.
    const { alarm, created } = await runInDurableObject(stubOf(t.id), async (_o, state) => ({
      alarm: await state.storage.getAlarm(),
      created: state.storage.sql.exec<{ t: number }>(`SELECT MIN(created_at) AS t FROM idempotency`).one().t,
    }));
    expect(alarm).toBe(created + IDEMPOTENCY_WINDOW_MS);
    // Within the window the plan replays.
    expect((await t.agent.plan({ ...plan, idempotencyKey: 'p1' })).id).toBe(first.id);
    // A day later (moved in storage): the alarm prunes both records...
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`UPDATE idempotency SET created_at = created_at - ?`, IDEMPOTENCY_WINDOW_MS + 1_000);
    });
    expect(await runDurableObjectAlarm(stubOf(t.id))).toBe(true);
    const left = await runInDurableObject(stubOf(t.id), (_o, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM idempotency`).one().n);
    expect(left).toBe(0);
    // ...and the same key is a new call.
    expect((await t.agent.plan({ ...plan, idempotencyKey: 'p1' })).id).not.toBe(first.id);
  });

  it('does not replay an expired record even before the alarm has pruned it', async () => {
    const t = await team();
    const first = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'k1' });
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      state.storage.sql.exec(`UPDATE idempotency SET created_at = created_at - ?`, IDEMPOTENCY_WINDOW_MS);
    });
    const again = await t.admin.keys.create.mutate({ principal: 'ci', role: 'agent', idempotencyKey: 'k1' });
    expect(again.id).not.toBe(first.id);
    expect(again.key).not.toBe(first.key);
  });

  it('migration 4 drops old plaintext secret-bearing idempotency records and tickets, and seals stored webhook secrets', async () => {
    const t = await team();
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook' });
    const legacyKey = `gl_${t.id}_${'A'.repeat(43)}`;
    const legacyHookSecret = `whsec_${'B'.repeat(43)}`;
    const legacyTicket = 'C'.repeat(43);
    // The object as main left it: schema 3, secrets in plaintext.
    await runInDurableObject(stubOf(t.id), (_o, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP INDEX idempotency_by_age`);
      sql.exec(`ALTER TABLE idempotency DROP COLUMN sealed_field`);
      sql.exec(`ALTER TABLE idempotency DROP COLUMN sealed`);
      sql.exec(`ALTER TABLE events DROP COLUMN hash`); // migration 5 (the audit chain) came later
      sql.exec(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
      const put = (key: string, response: unknown) =>
        sql.exec(`INSERT INTO idempotency (principal, key, request_hash, response, created_at) VALUES ('admin', ?, 'h', ?, ?)`, key, JSON.stringify(response), Date.now());
      put('old-key', { key: legacyKey, id: 'k-1', principal: 'ci', role: 'agent' });
      put('old-hook', { webhook: { id: 'w-1', url: 'http://x.example/', events: [], format: 'json', createdAt: 1 }, secret: legacyHookSecret });
      put('old-plan', { id: 't-1', title: 'kept: holds no secret' });
      sql.exec(`UPDATE webhooks SET secret = ? WHERE id = ?`, legacyHookSecret, webhook.id);
      sql.exec(`INSERT INTO tickets (id, key_id, expires_at) VALUES (?, 'k', ?)`, legacyTicket, Date.now() + 60_000);
    });
    // The next start migrates.
    await evictDurableObject(stubOf(t.id));
    await t.admin.workspaces.get.query();
    expect(await findAtRest(t.id, [legacyKey, legacyHookSecret, legacyHookSecret.slice('whsec_'.length), legacyTicket])).toEqual([]);
    const after = await runInDurableObject(stubOf(t.id), (_o, state) => ({
      version: state.storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).one().value,
      kept: state.storage.sql
        .exec<{ key: string }>(`SELECT key FROM idempotency`)
        .toArray()
        .map((r) => r.key),
      sealed: state.storage.sql.exec<{ secret: string }>(`SELECT secret FROM webhooks WHERE id = ?`, webhook.id).one().secret,
    }));
    expect(Number(after.version)).toBeGreaterThanOrEqual(4);
    expect(after.kept).toEqual(['old-plan']);
    // Sealed under the data key when the deployment has one (a local .dev.vars may), else the
    // root token; either way it still signs with the same secret.
    expect(after.sealed).toMatch(env.GREENLIGHT_DATA_KEY ? /^v1\.dk\./ : /^v1\.rt\./);
    expect(await openAtRest(env, after.sealed, webhookSecretAad(webhook.id))).toBe(legacyHookSecret);
    expect(await openAtRest(env, after.sealed, webhookSecretAad('another-webhook'))).toBeUndefined();
  });

  it('opens a sealed value only with the key and the binding it was sealed with', async () => {
    const box = await sealForCaller('caller-secret', 'the secret', 'idempotency:k:h');
    expect(box).not.toContain('the secret');
    expect(await openForCaller('caller-secret', box, 'idempotency:k:h')).toBe('the secret');
    expect(await openForCaller('other-secret', box, 'idempotency:k:h')).toBeUndefined();
    expect(await openForCaller('caller-secret', box, 'idempotency:k:other')).toBeUndefined();
    const [v, kid, salt, iv, ct] = box.split('.');
    const flipped = `${ct!.slice(0, -2)}${ct!.at(-2) === 'A' ? 'B' : 'A'}${ct!.slice(-1)}`;
    expect(await openForCaller('caller-secret', [v, kid, salt, iv, flipped].join('.'), 'idempotency:k:h')).toBeUndefined();
    // At rest: the data key wins over the root token, and each opens only what it sealed.
    const both = { GREENLIGHT_DATA_KEY: 'dk', GREENLIGHT_ROOT_TOKEN: 'rt' };
    const dk = await sealAtRest(both, 'whsec_x', 'webhook:1');
    const rt = await sealAtRest({ GREENLIGHT_ROOT_TOKEN: 'rt' }, 'whsec_x', 'webhook:1');
    expect([dk.split('.')[1], rt.split('.')[1]]).toEqual(['dk', 'rt']);
    expect(await openAtRest(both, dk, 'webhook:1')).toBe('whsec_x');
    expect(await openAtRest(both, rt, 'webhook:1')).toBe('whsec_x');
    expect(await openAtRest({ GREENLIGHT_DATA_KEY: 'changed', GREENLIGHT_ROOT_TOKEN: 'rt' }, dk, 'webhook:1')).toBeUndefined();
    expect(await openForCaller('dk', dk, 'webhook:1')).toBeUndefined();
    await expect(sealAtRest({}, 'whsec_x', 'webhook:1')).rejects.toThrow(/no data key/);
  });

  it('keeps workspaces.create out of idempotency: a repeat is CONFLICT and stores nothing', async () => {
    const root = clientFor(ROOT_TOKEN);
    const id = uniqueId();
    const { adminKey } = await root.workspaces.create.mutate({ id, name: 'x' });
    expect((await errorOf(root.workspaces.create.mutate({ id, name: 'x' }))).code).toBe('CONFLICT');
    expect(await findAtRest(id, keyNeedles(adminKey))).toEqual([]);
  });
});

describe('the test environment', () => {
  it('has no data key whatever a .dev.vars holds: `npm start` writes one, and `npm test` after it must still pass', () => {
    // wrangler.toml's .dev.vars (made by `npm start`) is loaded by Miniflare unless a binding overrides it.
    expect(env.GREENLIGHT_DATA_KEY ?? '').toBe('');
    expect(env.GREENLIGHT_ROOT_TOKEN).toBe('test-root-token');
  });
});
