/**
 * CHECK constraints generated from core's enums: a status, role, format or webhook event
 * column accepts only the values core declares, so a typo in SQL or a row written by an
 * older build cannot store a state the machine does not know. SQLite cannot add a CHECK
 * to a table, so a table whose generated CHECKs differ from the enums is rebuilt (same
 * columns, rows and indexes). Runs after the numbered migrations at every start; it is a
 * no-op unless an enum changed since the last start (then it rebuilds that table once).
 */
import { AuthStrength, DeliveryStatus, Role, StepStatus, TaskStatus, WebhookEvent, WebhookFormat } from '@greenlight/core';

/** Which column takes which enum. Only columns written from an enum belong here. */
export const ENUM_COLUMNS: readonly { table: string; column: string; values: readonly string[] }[] = [
  { table: 'keys', column: 'role', values: Role.options },
  { table: 'tasks', column: 'status', values: TaskStatus.options },
  { table: 'steps', column: 'status', values: StepStatus.options },
  { table: 'webhooks', column: 'format', values: WebhookFormat.options },
  { table: 'deliveries', column: 'status', values: DeliveryStatus.options },
  { table: 'deliveries', column: 'event', values: WebhookEvent.options },
  { table: 'signins', column: 'role', values: Role.options },
  { table: 'signins', column: 'auth_strength', values: AuthStrength.options },
];

/** Marks the generated clauses in the stored CREATE TABLE text (SQLite keeps it verbatim), so they can be found and replaced. */
const MARK = '/* enum */';
const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** The generated clause for one column, e.g. `/* enum *\/ CHECK (status IN ('active', ...))`. */
export const checkClause = (column: string, values: readonly string[]): string => `${MARK} CHECK (${column} IN (${values.map(quote).join(', ')}))`;

/** A table's CREATE TABLE text with its generated clauses replaced by `clauses`. */
export function withChecks(createSql: string, clauses: string[]): string {
  const bare = createSql.replace(/,\s*\/\* enum \*\/ CHECK \([^()]*\([^()]*\)\)/g, '');
  const end = bare.lastIndexOf(')');
  return `${bare.slice(0, end).trimEnd()}${clauses.map((c) => `,\n    ${c}`).join('')}\n  )`;
}

/** Rebuild every table whose generated CHECKs are not the current enums'. Call inside a transaction. */
export function syncEnumChecks(sql: SqlStorage): void {
  const tables = [...new Set(ENUM_COLUMNS.map((c) => c.table))];
  for (const table of tables) {
    const row = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).toArray()[0];
    if (!row) continue;
    const clauses = ENUM_COLUMNS.filter((c) => c.table === table).map((c) => checkClause(c.column, c.values));
    const wanted = withChecks(row.sql, clauses);
    if (wanted === row.sql) continue;
    const indexes = sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table).toArray();
    const tmp = `${table}__checked`;
    sql.exec(wanted.replace(/^CREATE TABLE\s+("?)\w+\1/, `CREATE TABLE ${tmp}`));
    // A row that breaks the new CHECK fails this insert, and the start with it: loudly, not silently dropped.
    sql.exec(`INSERT INTO ${tmp} SELECT * FROM ${table}`);
    sql.exec(`DROP TABLE ${table}`);
    sql.exec(`ALTER TABLE ${tmp} RENAME TO ${table}`);
    for (const idx of indexes) sql.exec(idx.sql);
  }
}
