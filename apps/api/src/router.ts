/** The API: every procedure of SPEC section 6. `AppRouter` is what the SDK and the web page type against. */
import { auditRouter } from './trpc/routers/audit.ts';
import { approvalsRouter } from './trpc/routers/approvals.ts';
import { eventsRouter } from './trpc/routers/events.ts';
import { grantsRouter } from './trpc/routers/grants.ts';
import { historyRouter } from './trpc/routers/history.ts';
import { keysRouter } from './trpc/routers/keys.ts';
import { peopleRouter } from './trpc/routers/people.ts';
import { oidcRouter } from './trpc/routers/oidc.ts';
import { delegationsRouter, groupsRouter } from './trpc/routers/groups.ts';
import { passkeysRouter } from './trpc/routers/passkeys.ts';
import { policyRouter } from './trpc/routers/policy.ts';
import { slackRouter } from './trpc/routers/slack.ts';
import { stepsRouter } from './trpc/routers/steps.ts';
import { tasksRouter } from './trpc/routers/tasks.ts';
import { webhooksRouter } from './trpc/routers/webhooks.ts';
import { workspacesRouter } from './trpc/routers/workspaces.ts';
import { router } from './trpc/init.ts';

export const appRouter = router({
  workspaces: workspacesRouter,
  keys: keysRouter,
  policy: policyRouter,
  tasks: tasksRouter,
  approvals: approvalsRouter,
  steps: stepsRouter,
  events: eventsRouter,
  history: historyRouter,
  webhooks: webhooksRouter,
  audit: auditRouter,
  grants: grantsRouter,
  slack: slackRouter,
  people: peopleRouter,
  oidc: oidcRouter,
  groups: groupsRouter,
  delegations: delegationsRouter,
  passkeys: passkeysRouter,
});

export type AppRouter = typeof appRouter;
