/**
 * One-click links in the object (issue 15, item 4; core links.ts has the rules). Links are
 * minted when an `approval.requested` webhook is sent (from the alarm, which may await),
 * put into that one request's body and never into the stored delivery: the `links` table
 * holds only each token's SHA-256. Redeeming runs through Pipeline.callAs as the caller
 * `link:<id>` (identitySource link, authStrength key), inside one transaction that checks
 * the link again, removes every link of its approval (single use) and decides.
 */
import { fail, formatLink, linkExpiresAt, linkIdentity, linkRefusal, ok, sha256Hex, type DecideResult, type Link, type LinkDecision, type Result } from '@greenlight/core';
import type { Caller } from './caller.ts';
import * as approvals from './ops/approvals.ts';
import type { Pipeline } from './pipeline.ts';
import { findApproval, loadTask } from './store.ts';

type LinkRow = { token_hash: string; id: string; approval_id: string; params_hash: string; decision: string; expires_at: number; created_at: number };

const toLink = (r: LinkRow): Link => ({ id: r.id, approvalId: r.approval_id, paramsHash: r.params_hash, decision: r.decision === 'reject' ? 'reject' : 'approve', expiresAt: r.expires_at });

const findLink = (sql: SqlStorage, tokenHash: string): LinkRow | undefined => sql.exec<LinkRow>(`SELECT * FROM links WHERE token_hash = ?`, tokenHash).toArray()[0];

/** 32 random bytes, base64url without padding (43 characters). */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** What a delivery's JSON body looks like, as far as links care. */
type Body = { event?: unknown; data?: { taskId?: unknown; stepId?: unknown; data?: { approvalId?: unknown } } };

/**
 * The body to send for one delivery: for an `approval.requested` notification in the JSON
 * format, `links.review` (the task's page, behind sign-in) and, when the step's rule says
 * oneClick and its approval is still the one the event opened, fresh single-use
 * `links.approve` / `links.reject`. `base` is the deployment's PUBLIC_URL; without one
 * there is no address to link to and the body goes as stored. Expired links go here too.
 */
export async function withLinks(sql: SqlStorage, workspaceId: string, body: string, base: string | undefined, now: number): Promise<string> {
  if (!base) return body;
  let parsed: Body;
  try {
    parsed = JSON.parse(body) as Body;
  } catch {
    return body;
  }
  const taskId = parsed.data?.taskId;
  const stepId = parsed.data?.stepId;
  if (parsed.event !== 'approval.requested' || typeof taskId !== 'string' || typeof stepId !== 'string') return body;
  sql.exec(`DELETE FROM links WHERE expires_at <= ?`, now);
  const links: Record<string, string> = { review: `${base}/#/tasks/${encodeURIComponent(taskId)}` };
  const step = loadTask(sql, taskId)?.steps.find((s) => s.id === stepId);
  const open = step?.status === 'awaiting_approval' && step.approval !== undefined && step.approval.id === parsed.data?.data?.approvalId;
  if (open && step.policy.oneClick === true) {
    for (const decision of ['approve', 'reject'] as const satisfies LinkDecision[]) {
      const token = formatLink(workspaceId, randomSecret());
      const expiresAt = linkExpiresAt(now, step.approval!.expiresAt);
      sql.exec(
        `INSERT INTO links (token_hash, id, approval_id, params_hash, decision, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        await sha256Hex(token),
        crypto.randomUUID(),
        step.approval!.id,
        step.paramsHash,
        decision,
        expiresAt,
        now,
      );
      links[decision] = `${base}/l/${token}`;
    }
  }
  return JSON.stringify({ ...parsed, links });
}

/** What the confirm page shows about a link that may still be used. */
export type LinkPreview = { decision: LinkDecision; taskTitle: string; stepTitle: string; stepKey: string; expiresAt: number };

/**
 * A link looked at, not used (GET: link scanners fetch it too): what it would decide, or
 * why it cannot. UNAUTHORIZED for an unknown or used token.
 */
export async function previewLink(p: Pipeline, workspaceId: string, token: string): Promise<Result<LinkPreview>> {
  const hash = await sha256Hex(token);
  return p.transact(() => {
    const meta = p.currentMeta();
    const row = meta?.id === workspaceId ? findLink(p.sql, hash) : undefined;
    if (!meta || !row) return fail('UNAUTHORIZED', 'this link is unknown or was used already', { reason: 'link_unknown' });
    const link = toLink(row);
    const found = findApproval(p.sql, link.approvalId);
    const task = found ? loadTask(p.sql, found.taskId) : undefined;
    const step = task?.steps.find((s) => s.id === found?.stepId);
    const refused = linkRefusal(link, step, meta.policy, p.now());
    if (refused) return { ok: false, error: refused };
    return ok({ decision: link.decision, taskTitle: task!.title, stepTitle: step!.title, stepKey: step!.key, expiresAt: link.expiresAt });
  });
}

/**
 * Use a link (POST): as the caller `link:<id>`, check it again inside the transaction,
 * remove every link of its approval, and decide. Any refusal changes nothing.
 */
export async function useLink(p: Pipeline, workspaceId: string, token: string): Promise<Result<DecideResult>> {
  const hash = await sha256Hex(token);
  const resolve = (sql: SqlStorage): Caller | undefined => {
    const row = findLink(sql, hash);
    return row ? { id: row.id, role: 'approver', createdAt: row.created_at, ...linkIdentity(row.id) } : undefined;
  };
  const r = await p.callAs(workspaceId, `link:${hash}`, resolve, 'decide', undefined, (tx) => {
    const row = findLink(tx.sql, hash);
    if (!row) return fail('UNAUTHORIZED', 'this link is unknown or was used already', { reason: 'link_unknown' });
    const link = toLink(row);
    const found = findApproval(tx.sql, link.approvalId);
    const task = found ? tx.load(found.taskId) : undefined;
    const step = task?.ok ? task.value.steps.find((s) => s.id === found?.stepId) : undefined;
    const refused = linkRefusal(link, step, tx.meta.policy, tx.now);
    if (refused) return { ok: false, error: refused };
    tx.sql.exec(`DELETE FROM links WHERE approval_id = ?`, link.approvalId);
    return approvals.decide(tx, { approvalId: link.approvalId, decision: link.decision, paramsHash: link.paramsHash }, undefined);
  });
  // The pipeline's word for a credential it cannot find is about keys; this one is a link.
  return !r.ok && r.error.code === 'UNAUTHORIZED' ? fail('UNAUTHORIZED', 'this link is unknown or was used already', { reason: 'link_unknown' }) : r;
}
