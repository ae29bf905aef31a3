/**
 * The workspace object's SQLite schema, as numbered, append-only migrations run in
 * blockConcurrencyWhile at start-up; the last one applied is recorded in `meta`.
 * Times are INTEGER epoch ms everywhere. Every list the API serves has its index.
 * A migration is SQL, or a function when rows must be rewritten in code (a backfill).
 */
import { chainHash, GENESIS, type ChainHead } from '@greenlight/core';
import { syncEnumChecks } from './checks.ts';
import { createSlackTables } from './slack/schema.ts';
import { upgradeStoredMeta } from './meta.ts';
import { backfillHistory } from './history.ts';

export type Migration = string | ((sql: SqlStorage) => void);

/** Rows per read while a migration rewrites a table, so a big log is never all in memory. */
const BACKFILL_BATCH = 500;

/**
 * Chain every existing event, oldest first (core chainHash, as appendEvents does for
 * new ones): a log written before the chain existed becomes a chain from the genesis.
 */
export function backfillEventHashes(sql: SqlStorage): void {
  sql.exec(`ALTER TABLE events ADD COLUMN hash TEXT`);
  let prev: ChainHead = GENESIS;
  for (;;) {
    const rows = sql
      .exec<{ seq: number; at: number; type: string; actor: string; task_id: string | null; step_id: string | null; data: string }>(
        `SELECT seq, at, type, actor, task_id, step_id, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
        prev.seq,
        BACKFILL_BATCH,
      )
      .toArray();
    if (rows.length === 0) return;
    for (const r of rows) {
      const hash = chainHash(prev.hash, {
        seq: r.seq,
        at: r.at,
        type: r.type,
        actor: r.actor,
        ...(r.task_id ? { taskId: r.task_id } : {}),
        ...(r.step_id ? { stepId: r.step_id } : {}),
        data: JSON.parse(r.data) as Record<string, unknown>,
      });
      sql.exec(`UPDATE events SET hash = ? WHERE seq = ?`, hash, r.seq);
      prev = { seq: r.seq, hash };
    }
  }
}

export const MIGRATIONS: readonly Migration[] = [
  /* 1: the foundation */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
  );
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX tasks_by_status ON tasks (status, id);
  CREATE TABLE steps (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    awaiting_since INTEGER,
    deadline INTEGER,
    data TEXT NOT NULL
  );
  CREATE UNIQUE INDEX steps_by_task ON steps (task_id, idx);
  CREATE INDEX steps_awaiting ON steps (awaiting_since, id) WHERE awaiting_since IS NOT NULL;
  CREATE INDEX steps_approved ON steps (task_id) WHERE status = 'approved';
  CREATE INDEX steps_by_deadline ON steps (deadline) WHERE deadline IS NOT NULL;
  CREATE TABLE approvals (approval_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, step_id TEXT NOT NULL);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    task_id TEXT,
    step_id TEXT,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_task ON events (task_id, seq) WHERE task_id IS NOT NULL;
  CREATE TABLE idempotency (
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
  );
  `,
  /* 2: live-event tickets: short-lived and single-use */ `
  CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX tickets_by_expiry ON tickets (expires_at);
  `,
  /* 3: webhooks and their delivery outbox, written in the same transaction as the events */ `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    format TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, created_at);
  `,
  /* 4: no secret at rest. Idempotency records keep a secret-bearing answer's secret only
     sealed under the caller's credential (idempotency.ts) and expire after 24 h; the
     records written before held new keys and webhook secrets in plaintext, so they go
     (a repeat of one is a new call, as after the window). Socket tickets are stored as
     SHA-256 hashes from now on; the live ones (60 s at most) were plaintext and go too.
     Webhook signing secrets are sealed by the object at start (sealLegacyWebhookSecrets). */ `
  ALTER TABLE idempotency ADD COLUMN sealed_field TEXT;
  ALTER TABLE idempotency ADD COLUMN sealed TEXT;
  CREATE INDEX idempotency_by_age ON idempotency (created_at);
  DELETE FROM idempotency WHERE CASE WHEN json_valid(response) THEN
    json_extract(response, '$.key') LIKE 'gl\\_%' ESCAPE '\\' OR json_extract(response, '$.secret') LIKE 'whsec\\_%' ESCAPE '\\'
  END;
  DELETE FROM tickets;
  `,
  /* 5: the audit trail: every event hashed into a chain (core audit/chain.ts) */ backfillEventHashes,
  /* 6: decisions answer with their step (DecideResult.step). A remembered decide or
     decideMany answer from before has none, and replaying it would fail the output
     check (a 500); it goes, so a repeat is a new call and gets the typed CONFLICT a
     decided approval answers (not_open, already_voted). */ `
  DELETE FROM idempotency WHERE json_valid(response) AND (
    (json_type(response, '$.approvalId') IS NOT NULL AND json_type(response, '$.stepStatus') IS NOT NULL AND json_type(response, '$.step') IS NULL)
    OR (json_type(response, '$.items[0].stepStatus') IS NOT NULL AND json_type(response, '$.items[0].step') IS NULL)
  );
  `,
  /* 7: sessions and grants (docs/sessions.md). open_tasks holds one row per open task
     while it is open: the session lookup (unique per creator and session, so concurrent
     first calls find one task) and the idle close (active_at: the task's last change).
     grants and grant_proposals are readable copies of what the tasks hold and what
     approvals with scope always proposed, for grants.list and grants.proposals. IF NOT
     EXISTS: tests that rewind schema_version to replay older migrations leave these. */ `
  CREATE TABLE IF NOT EXISTS open_tasks (
    task_id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    session TEXT,
    active_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS open_tasks_by_session ON open_tasks (created_by, session) WHERE session IS NOT NULL;
  CREATE INDEX IF NOT EXISTS open_tasks_by_activity ON open_tasks (active_at);
  CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS grants_by_task ON grants (task_id, created_at);
  CREATE INDEX IF NOT EXISTS grants_by_age ON grants (created_at);
  CREATE TABLE IF NOT EXISTS grant_proposals (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS grant_proposals_by_status ON grant_proposals (status, created_at);
  `,
  /* 8: CHECK constraints generated from core's enums on every status, role, format and
     webhook event column (checks.ts): the tables are rebuilt with them, rows and indexes kept.
     migrate() runs the same sync at every start, so a changed enum regenerates them. */
  syncEnumChecks,
  /* 9: the workspace's stored settings (meta: policy, limits, usage) rewritten through
     core's schemas, so JSON stored by an older build has today's shape (meta.ts). */
  upgradeStoredMeta,
  /* 10: the decision history (issue 16): one row per decision, keyed by its event's seq,
     with an index per filter so every page reads only its rows; deciders in their own
     table (N-of-M has several). Filled from the existing log (history.ts). IF NOT EXISTS:
     a rerun over its own tables (tests rewind schema_version) must not fail. */ (sql) => {
    sql.exec(`
    CREATE TABLE IF NOT EXISTS history (
      seq INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      task_id TEXT NOT NULL,
      agent TEXT NOT NULL,
      decision TEXT NOT NULL,
      status TEXT NOT NULL,
      risk TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS history_by_at ON history (at, seq);
    CREATE INDEX IF NOT EXISTS history_by_task ON history (task_id, seq);
    CREATE INDEX IF NOT EXISTS history_by_agent ON history (agent, seq);
    CREATE INDEX IF NOT EXISTS history_by_decision ON history (decision, seq);
    CREATE INDEX IF NOT EXISTS history_by_status ON history (status, seq);
    CREATE INDEX IF NOT EXISTS history_by_risk ON history (risk, seq);
    CREATE TABLE IF NOT EXISTS history_deciders (principal TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (principal, seq));
    `);
    backfillHistory(sql);
  },
  /* 11: people (issue 15, people.ts): a principal linked to the person (a root principal)
     it counts for. One row per linked principal; links point at roots (core planLink). */ `
  CREATE TABLE IF NOT EXISTS identity_links (
    principal TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    source TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS identity_links_by_person ON identity_links (person, principal);
  `,
  /* 12: Slack (issue 15 item 3, docs/slack.md): settings, posted messages, outbox, linked users, link tokens. */
  createSlackTables,
  /* 13: a task's steps by status in plan order (steps.list {status}; tasks.get's window
     reads the waiting ones through it): a page reads only its rows, however long the
     session. IF NOT EXISTS: tests rewind schema_version. */ `
  CREATE INDEX IF NOT EXISTS steps_by_task_status ON steps (task_id, status, idx);
  `,
  /* 14: sign-in per workspace through OIDC (issue 15, docs/sign-in.md): the provider's
     settings (one row; the client secret sealed under the data key), authorization
     requests awaiting their callback (by the SHA-256 of their state; single-use), and
     sign-in sessions (by the SHA-256 of their secret, as keys are; the previous secret
     for a short grace after a rotation). */ `
  CREATE TABLE IF NOT EXISTS oidc_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS signin_pending (
    state_hash TEXT PRIMARY KEY,
    verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS signins (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    prev_secret_hash TEXT,
    rotated_at INTEGER NOT NULL,
    principal TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    auth_strength TEXT NOT NULL,
    groups TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS signins_by_prev ON signins (prev_secret_hash);
  `,
  /* 15: approver groups and delegations (issue 15 item 6, groups.ts). Members as JSON
     (a group is read whole, at most 200); delegations by delegate for the vote's lookup. */ `
  CREATE TABLE IF NOT EXISTS approver_groups (
    name TEXT PRIMARY KEY,
    members TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS delegations (
    id TEXT PRIMARY KEY,
    from_person TEXT NOT NULL,
    to_person TEXT NOT NULL,
    until INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS delegations_by_to ON delegations (to_person, until);
  `,
  /* 16: step-up and one-click links (docs/step-up.md). passkeys: WebAuthn credentials
     by principal (public key as base64url COSE, the signature counter). webauthn_challenges:
     single-use, short-lived challenges, for a registration or bound to one approval and
     paramsHash. links: one-click links, stored only as the SHA-256 of their token. */ `
  CREATE TABLE IF NOT EXISTS passkeys (
    id TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS passkeys_by_principal ON passkeys (principal, created_at);
  CREATE TABLE IF NOT EXISTS webauthn_challenges (
    challenge TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    principal TEXT NOT NULL,
    approval_id TEXT,
    params_hash TEXT,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS webauthn_challenges_by_expiry ON webauthn_challenges (expires_at);
  CREATE TABLE IF NOT EXISTS links (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    approval_id TEXT NOT NULL,
    params_hash TEXT NOT NULL,
    decision TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS links_by_approval ON links (approval_id);
  CREATE INDEX IF NOT EXISTS links_by_expiry ON links (expires_at);
  `,
];

export function migrate(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
  const row = sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0];
  const applied = row ? Number(row.value) : 0;
  for (let v = applied; v < MIGRATIONS.length; v++) {
    const m = MIGRATIONS[v]!;
    // The first migration creates meta itself; the bootstrap table above is the same shape.
    if (typeof m === 'string') sql.exec(m.replace('CREATE TABLE meta ', 'CREATE TABLE IF NOT EXISTS meta '));
    else m(sql);
    sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`, String(v + 1));
  }
  syncEnumChecks(sql);
}
