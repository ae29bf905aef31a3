/**
 * Slack's tables (migration 11): the settings (secrets sealed), the messages posted per
 * approval (to update them later), the outbox of Web API calls still to make, the Slack
 * users linked to people, and the single-use link tokens (only their SHA-256 stored).
 */
export function createSlackTables(sql: SqlStorage): void {
  sql.exec(`
  CREATE TABLE IF NOT EXISTS slack_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    signing_secret TEXT NOT NULL,
    bot_token TEXT NOT NULL,
    channel TEXT NOT NULL,
    api_base TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS slack_messages (
    approval_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel, ts)
  );
  CREATE INDEX IF NOT EXISTS slack_messages_by_step ON slack_messages (step_id);
  CREATE INDEX IF NOT EXISTS slack_messages_by_approval ON slack_messages (approval_id);
  CREATE TABLE IF NOT EXISTS slack_outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('post', 'update')),
    data TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS slack_outbox_due ON slack_outbox (status, next_attempt_at);
  CREATE TABLE IF NOT EXISTS slack_users (
    principal TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS slack_link_tokens (
    token_hash TEXT PRIMARY KEY,
    principal TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS slack_link_tokens_by_expiry ON slack_link_tokens (expires_at);
  `);
}
