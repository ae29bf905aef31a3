/**
 * Deadlines moved into the past inside the object, as if time had passed. Real alarms
 * with tiny delays can fire before a test asks (TOOLCHAIN), so tests move the stored
 * deadline and then run the alarm themselves.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';

export const stubOf = (workspaceId: string) => env.WORKSPACE.get(env.WORKSPACE.idFromName(workspaceId));

/** Make an executing step's lease (and the deadline the alarm watches) a second overdue. */
export async function expireLease(workspaceId: string, stepId: string): Promise<void> {
  await moveDeadline(workspaceId, stepId, 'executing', '$.lease.expiresAt');
}

/** Make a waiting step's approval deadline a second overdue. */
export async function expireApproval(workspaceId: string, stepId: string): Promise<void> {
  await moveDeadline(workspaceId, stepId, 'awaiting_approval', '$.approval.expiresAt');
}

async function moveDeadline(workspaceId: string, stepId: string, status: string, field: string): Promise<void> {
  const past = Date.now() - 1_000;
  await runInDurableObject(stubOf(workspaceId), (_instance, state) => {
    const rows = state.storage.sql.exec(`UPDATE steps SET deadline = ?, data = json_set(data, ?, ?) WHERE id = ? AND status = ? RETURNING id`, past, field, past, stepId, status).toArray();
    if (rows.length !== 1) throw new Error(`step ${stepId} is not ${status}`);
  });
}
