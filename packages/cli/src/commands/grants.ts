/**
 * `greenlight grants list|revoke|proposals|confirm` (docs/sessions.md): the grants
 * reviewers gave "for this session", revoking one, and the workspace rules that
 * approvals with scope `always` proposed, which an admin confirms into the policy.
 */
import { matcherText, revealHiddenDeep, type Grant, type GrantProposal } from '@greenlight/core';
import { UsageError } from '../errors.ts';
import type { Out } from '../output.ts';
import { str, type Command } from './spec.ts';

const USAGE = 'grants list [--task <taskId>] [--all] | grants revoke <grantId> | grants proposals [--all] | grants confirm <proposalId>';

function grantLine(g: Grant, out: Out): string {
  const shown = revealHiddenDeep(g);
  const state = shown.revokedAt !== undefined ? out.paint('gray', `revoked by ${shown.revokedBy ?? 'someone'}`) : out.paint('green', 'live');
  return `${out.paint('cyan', shown.id)} ${state} ${shown.scope} task=${shown.taskId} by ${shown.by}, used ${shown.uses}×: ${matcherText(shown.matcher)}`;
}

function proposalLine(p: GrantProposal, out: Out): string {
  const shown = revealHiddenDeep(p);
  const sim = shown.simulation;
  const impact = `${sim.changed} of ${sim.steps} recent steps would change`;
  const state = shown.status === 'confirmed' ? out.paint('gray', `confirmed in policy version ${shown.policyVersion ?? '?'}`) : out.paint('yellow', 'proposed');
  return `${out.paint('cyan', shown.id)} ${state} by ${shown.by}: ${matcherText(shown.matcher)} (${impact})`;
}

export const grants: Command = {
  usage: USAGE,
  summary: 'remembered approvals: list, revoke, and the rules they propose',
  options: { task: { type: 'string' }, all: { type: 'boolean' } },
  async run(ctx, args, values) {
    const [sub, id, ...rest] = args;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    const client = ctx.client();
    const { out } = ctx;
    switch (sub) {
      case 'list': {
        if (id !== undefined) throw new UsageError('grants list takes no argument (a task goes in --task)');
        const taskId = str(values.task);
        const r = await client.grants.list.query({ ...(taskId ? { taskId } : {}), includeRevoked: values.all === true });
        if (out.json) out.line(JSON.stringify(r));
        else if (r.items.length === 0) out.line('no grants');
        else for (const g of r.items) out.line(grantLine(g, out));
        return 0;
      }
      case 'revoke': {
        if (!id) throw new UsageError('grants revoke <grantId>');
        const g = await client.grants.revoke.mutate({ grantId: id });
        out.line(out.json ? JSON.stringify(g) : grantLine(g, out));
        return 0;
      }
      case 'proposals': {
        if (id !== undefined) throw new UsageError('grants proposals takes no argument');
        const r = await client.grants.proposals.query({ all: values.all === true });
        if (out.json) out.line(JSON.stringify(r));
        else if (r.items.length === 0) out.line('no proposals');
        else for (const p of r.items) out.line(proposalLine(p, out));
        return 0;
      }
      case 'confirm': {
        if (!id) throw new UsageError('grants confirm <proposalId>');
        const r = await client.grants.confirm.mutate({ proposalId: id });
        out.line(out.json ? JSON.stringify(r) : proposalLine(r.proposal, out));
        return 0;
      }
      default:
        throw new UsageError(`grants: ${sub === undefined ? 'missing' : `unknown`} subcommand${sub ? ` ${JSON.stringify(sub)}` : ''}: ${USAGE}`);
    }
  },
};
